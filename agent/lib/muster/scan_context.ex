defmodule Muster.ScanContext do
  @moduledoc """
  Which app and commit a code scan is of, and where that commit sits, as `POST /v1/scans` takes
  them: `app`, `commit_sha` and, when known, `ref`, `pull_request`, `repository`, `base_sha` and
  `default_branch`.

  Each comes from the command line, else from the CI job's variables (`Muster.CIEnvironment`).
  Outside CI and without `--commit`, the commit and its branch are those checked out, as git says.
  """

  alias Muster.CIEnvironment

  @typedoc "The fields present, by their names in the request."
  @type t :: %{
          required(:app) => String.t(),
          required(:commit_sha) => String.t(),
          optional(:ref) => String.t(),
          optional(:pull_request) => pos_integer,
          optional(:repository) => String.t(),
          optional(:base_sha) => String.t(),
          optional(:default_branch) => String.t()
        }

  @fields [:commit_sha, :ref, :pull_request, :repository, :base_sha, :default_branch]

  @doc """
  The context of a scan of `app`, with `overrides` (from the command line, `nil` where not given)
  over `ci`. Commit ids are lower-cased, and must then be 7 to 64 hexadecimal digits.
  """
  @spec resolve(String.t(), %{optional(atom) => term}, CIEnvironment.t()) :: {:ok, t} | {:error, String.t()}
  def resolve(app, overrides, ci) do
    given = for field <- @fields, into: %{}, do: {field, overrides[field] || ci[field]}

    with {:ok, app} <- app_name(app),
         {:ok, given} <- with_checkout(given),
         {:ok, commit_sha} <- commit_id(given.commit_sha, "commit"),
         {:ok, base_sha} <- commit_id(given.base_sha, "base commit"),
         :ok <- pull_request_number(given.pull_request) do
      fields = %{given | commit_sha: commit_sha, base_sha: base_sha}
      {:ok, for({field, value} <- fields, value != nil, into: %{app: app}, do: {field, value})}
    end
  end

  defp app_name(name) do
    app = String.downcase(name)

    if app =~ ~r/^[a-z0-9_.-]{1,64}$/,
      do: {:ok, app},
      else: {:error, "The app name must be 1 to 64 characters of a-z, 0-9, _, - and . (got #{inspect(name)})"}
  end

  defp with_checkout(%{commit_sha: nil} = given) do
    with {:ok, commit_sha} <- git(["rev-parse", "HEAD"]) do
      {:ok, %{given | commit_sha: commit_sha, ref: given.ref || branch()}}
    end
  end

  defp with_checkout(given), do: {:ok, given}

  # A detached HEAD, as CI systems check out, has no branch to name.
  defp branch do
    case git(["rev-parse", "--abbrev-ref", "HEAD"]) do
      {:ok, "HEAD"} -> nil
      {:ok, branch} -> branch
      {:error, _} -> nil
    end
  end

  defp git(arguments) do
    case System.find_executable("git") do
      nil ->
        {:error,
         "No commit to report: give --commit SHA (no CI variables name one, and git is not installed)"}

      git ->
        case System.cmd(git, arguments, stderr_to_stdout: true) do
          {output, 0} ->
            {:ok, String.trim(output)}

          {output, _status} ->
            {:error,
             "No commit to report: give --commit SHA (no CI variables name one, and " <>
               "git #{Enum.join(arguments, " ")} failed: #{String.trim(output)})"}
        end
    end
  end

  defp commit_id(nil, _what), do: {:ok, nil}

  defp commit_id(value, what) do
    id = String.downcase(value)

    if id =~ ~r/^[0-9a-f]{7,64}$/,
      do: {:ok, id},
      else: {:error, "The #{what} must be 7 to 64 hexadecimal digits (got #{inspect(value)})"}
  end

  defp pull_request_number(nil), do: :ok
  defp pull_request_number(number) when is_integer(number) and number > 0, do: :ok

  defp pull_request_number(number),
    do: {:error, "The pull request must be a positive number (got #{inspect(number)})"}
end
