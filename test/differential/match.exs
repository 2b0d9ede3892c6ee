# Reads "version<TAB>requirement" lines and prints, for each, what Elixir's Version says:
# true, false, invalid_requirement or invalid_version.
[path] = System.argv()

path
|> File.stream!()
|> Enum.each(fn line ->
  [version, requirement] = line |> String.trim_trailing("\n") |> String.split("\t", parts: 2)

  verdict =
    case Version.parse_requirement(requirement) do
      :error ->
        "invalid_requirement"

      {:ok, parsed} ->
        case Version.parse(version) do
          :error -> "invalid_version"
          {:ok, _} -> to_string(Version.match?(version, parsed))
        end
    end

  IO.puts(verdict)
end)
