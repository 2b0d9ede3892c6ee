defmodule Muster.CIEnvironment do
  @moduledoc """
  What a CI job says about the commit it builds, read from its variables, for `mix muster.scan`.

  GitHub Actions (when `GITHUB_SHA` is set):

    * `repository`: `GITHUB_REPOSITORY`;
    * `commit_sha`: `GITHUB_SHA`, except on `pull_request` and `pull_request_target` events, where
      it is the pull request's head (`pull_request.head.sha` in the event file `GITHUB_EVENT_PATH`):
      `GITHUB_SHA` is then a merge commit that nobody pushed;
    * `ref`: `GITHUB_REF`, such as `refs/heads/main`;
    * `pull_request` and `base_sha`: `pull_request.number` and `pull_request.base.sha` of those
      events;
    * `default_branch`: `repository.default_branch` of the event, whatever it is.

  GitLab CI (when `CI_COMMIT_SHA` is set):

    * `repository`: `CI_PROJECT_PATH`;
    * `commit_sha`: `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`, the merge request's head, when it is set
      (in merged-results pipelines `CI_COMMIT_SHA` is the merge), else `CI_COMMIT_SHA`;
    * `ref`: `CI_COMMIT_REF_NAME`;
    * `pull_request`: `CI_MERGE_REQUEST_IID`;
    * `base_sha`: `CI_MERGE_REQUEST_DIFF_BASE_SHA`;
    * `default_branch`: `CI_DEFAULT_BRANCH`.

  Empty variables count as absent.
  """

  @typedoc "What the job says; `nil` for what it does not. Outside CI, all is `nil`."
  @type t :: %{
          repository: String.t() | nil,
          commit_sha: String.t() | nil,
          ref: String.t() | nil,
          pull_request: pos_integer | nil,
          base_sha: String.t() | nil,
          default_branch: String.t() | nil
        }

  @nothing %{
    repository: nil,
    commit_sha: nil,
    ref: nil,
    pull_request: nil,
    base_sha: nil,
    default_branch: nil
  }

  @pull_request_events ["pull_request", "pull_request_target"]

  @doc """
  Reads the CI variables of `env` (`System.get_env/0`). An event file that GitHub names but that
  cannot be read, or a merge request number that is not one, is an error rather than a guess.
  """
  @spec read(%{optional(String.t()) => String.t()}) :: {:ok, t} | {:error, String.t()}
  def read(env) do
    cond do
      variable(env, "GITHUB_SHA") -> github(env)
      variable(env, "CI_COMMIT_SHA") -> gitlab(env)
      true -> {:ok, @nothing}
    end
  end

  defp github(env) do
    with {:ok, event} <- github_event(env) do
      pull_request = if env["GITHUB_EVENT_NAME"] in @pull_request_events, do: event["pull_request"]

      {:ok,
       %{
         repository: variable(env, "GITHUB_REPOSITORY"),
         commit_sha: string(pull_request, ["head", "sha"]) || variable(env, "GITHUB_SHA"),
         ref: variable(env, "GITHUB_REF"),
         pull_request: positive_integer(pull_request, ["number"]),
         base_sha: string(pull_request, ["base", "sha"]),
         default_branch: string(event, ["repository", "default_branch"])
       }}
    end
  end

  defp github_event(env) do
    case variable(env, "GITHUB_EVENT_PATH") do
      nil ->
        {:ok, %{}}

      path ->
        case event_file(path) do
          {:ok, event} -> {:ok, event}
          {:error, problem} -> {:error, "GitHub's event file #{path} (GITHUB_EVENT_PATH) #{problem}"}
        end
    end
  end

  defp event_file(path) do
    case File.read(path) do
      {:ok, text} ->
        case Muster.JSON.decode(text) do
          {:ok, %{} = event} -> {:ok, event}
          {:ok, _} -> {:error, "is not a JSON object"}
          {:error, problem} -> {:error, "is not JSON: #{problem}"}
        end

      {:error, reason} ->
        {:error, "cannot be read: #{:file.format_error(reason)}"}
    end
  end

  defp gitlab(env) do
    with {:ok, merge_request} <- merge_request_iid(variable(env, "CI_MERGE_REQUEST_IID")) do
      {:ok,
       %{
         repository: variable(env, "CI_PROJECT_PATH"),
         commit_sha: variable(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") || variable(env, "CI_COMMIT_SHA"),
         ref: variable(env, "CI_COMMIT_REF_NAME"),
         pull_request: merge_request,
         base_sha: variable(env, "CI_MERGE_REQUEST_DIFF_BASE_SHA"),
         default_branch: variable(env, "CI_DEFAULT_BRANCH")
       }}
    end
  end

  defp merge_request_iid(nil), do: {:ok, nil}

  defp merge_request_iid(value) do
    case Integer.parse(value) do
      {number, ""} when number > 0 -> {:ok, number}
      _ -> {:error, "CI_MERGE_REQUEST_IID must be a merge request number (got #{inspect(value)})"}
    end
  end

  defp variable(env, name) do
    case env[name] do
      nil -> nil
      value -> if String.trim(value) == "", do: nil, else: String.trim(value)
    end
  end

  defp string(term, path) do
    case dig(term, path) do
      value when is_binary(value) and value != "" -> value
      _ -> nil
    end
  end

  defp positive_integer(term, path) do
    case dig(term, path) do
      value when is_integer(value) and value > 0 -> value
      _ -> nil
    end
  end

  defp dig(value, []), do: value
  defp dig(%{} = map, [key | keys]), do: dig(Map.get(map, key), keys)
  defp dig(_, _), do: nil
end
