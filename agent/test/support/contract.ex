defmodule Muster.Test.Contract do
  @moduledoc """
  The API's heartbeat contract (the zod schema of `shared/heartbeat.ts`), as a checker: the
  problems it finds in a heartbeat, as `{field, reason}`, or `[]`.
  """

  @known ~w(app environment instance sent_at internet_facing handles_pii urls runtime release git_sha host
            started_apps tags deps stopping)

  def problems(heartbeat) do
    [
      required(heartbeat, ~w(app environment instance sent_at deps)),
      unknown(heartbeat),
      check(heartbeat, "app", &(&1 =~ slug_pattern())),
      check(heartbeat, "environment", &(&1 =~ slug_pattern())),
      check(heartbeat, "instance", &printable?(&1, 200)),
      check(heartbeat, "sent_at", &(&1 =~ rfc3339_pattern())),
      check(heartbeat, "internet_facing", &is_boolean/1),
      check(heartbeat, "handles_pii", &is_boolean/1),
      check(
        heartbeat,
        "urls",
        &(is_list(&1) and length(&1) <= 50 and Enum.all?(&1, fn url -> url?(url) end))
      ),
      check(heartbeat, "runtime", &runtime?/1),
      check(heartbeat, "release", &release?/1),
      check(heartbeat, "host", &printable?(&1, 255)),
      check(
        heartbeat,
        "started_apps",
        &(is_list(&1) and length(&1) <= 5000 and Enum.all?(&1, fn a -> a =~ application_pattern() end))
      ),
      check(heartbeat, "tags", &tags?/1),
      check(heartbeat, "deps", &deps?/1),
      check(heartbeat, "stopping", &is_boolean/1)
    ]
    |> List.flatten()
  end

  def version?(value), do: is_binary(value) and value =~ version_pattern() and not (value =~ ~r/\d{15,}/)

  defp required(heartbeat, fields),
    do: for(field <- fields, not Map.has_key?(heartbeat, field), do: {field, :missing})

  defp unknown(heartbeat), do: for(field <- Map.keys(heartbeat), field not in @known, do: {field, :unknown})

  defp check(heartbeat, field, valid?) do
    case Map.fetch(heartbeat, field) do
      {:ok, value} -> if valid?.(value), do: [], else: [{field, :invalid}]
      :error -> []
    end
  end

  defp printable?(value, max),
    do: is_binary(value) and String.length(value) <= max and value =~ printable_pattern()

  defp url?(url) do
    is_binary(url) and byte_size(url) <= 2048 and
      match?(
        %URI{scheme: scheme, host: host} when scheme in ["http", "https"] and host not in [nil, ""],
        URI.parse(url)
      )
  end

  defp runtime?(runtime) do
    is_map(runtime) and
      Enum.all?(runtime, fn {key, value} -> key in ~w(elixir otp erts) and version?(value) end)
  end

  defp release?(%{"name" => name, "version" => version} = release) do
    map_size(release) == 2 and printable?(name, 100) and version?(version)
  end

  defp release?(_), do: false

  defp tags?(tags) do
    is_map(tags) and map_size(tags) <= 50 and
      Enum.all?(tags, fn {key, value} ->
        printable?(key, 64) and is_binary(value) and String.length(value) <= 256 and
          not (value =~ ~r/\p{Cc}/u)
      end)
  end

  defp deps?(deps) do
    is_list(deps) and length(deps) <= 5000 and
      Enum.all?(deps, fn
        %{"name" => name, "version" => version} = dep ->
          map_size(dep) == 2 and name =~ application_pattern() and version?(version)

        _ ->
          false
      end) and
      length(Enum.uniq_by(deps, & &1["name"])) == length(deps)
  end

  defp slug_pattern, do: ~r/^[a-z0-9_.-]{1,64}$/
  defp application_pattern, do: ~r/^[a-z][a-z0-9_]{0,99}$/
  defp version_pattern, do: ~r/^[0-9A-Za-z][0-9A-Za-z.+_~-]{0,63}$/
  defp printable_pattern, do: ~r/^[^\p{Cc}\p{Cf}\p{Co}\p{Cn}]+$/u
  defp rfc3339_pattern, do: ~r/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
end
