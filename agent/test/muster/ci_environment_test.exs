defmodule Muster.CIEnvironmentTest do
  use ExUnit.Case, async: true

  alias Muster.{CIEnvironment, Test.Scratch}

  @head "4f1c2d9e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d"
  @base "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
  @merge "fedcba9876543210fedcba9876543210fedcba98"

  defp event_file(event) do
    path = Path.join(Scratch.dir!(), "event.json")
    File.write!(path, Muster.JSON.encode!(event))
    path
  end

  test "outside CI it knows nothing" do
    assert CIEnvironment.read(%{"HOME" => "/root"}) ==
             {:ok,
              %{
                repository: nil,
                commit_sha: nil,
                ref: nil,
                pull_request: nil,
                base_sha: nil,
                default_branch: nil
              }}
  end

  test "a GitHub push: its commit and ref, and the default branch from the event" do
    path = event_file(%{"ref" => "refs/heads/main", "repository" => %{"default_branch" => "main"}})

    env = %{
      "GITHUB_REPOSITORY" => "acme/shop",
      "GITHUB_SHA" => @head,
      "GITHUB_REF" => "refs/heads/main",
      "GITHUB_EVENT_NAME" => "push",
      "GITHUB_EVENT_PATH" => path
    }

    assert CIEnvironment.read(env) ==
             {:ok,
              %{
                repository: "acme/shop",
                commit_sha: @head,
                ref: "refs/heads/main",
                pull_request: nil,
                base_sha: nil,
                default_branch: "main"
              }}
  end

  for event_name <- ["pull_request", "pull_request_target"] do
    test "a GitHub #{event_name}: the head commit, not the merge, with the number and base" do
      path =
        event_file(%{
          "pull_request" => %{"number" => 42, "head" => %{"sha" => @head}, "base" => %{"sha" => @base}},
          "repository" => %{"default_branch" => "trunk"}
        })

      env = %{
        "GITHUB_REPOSITORY" => "acme/shop",
        "GITHUB_SHA" => @merge,
        "GITHUB_REF" => "refs/pull/42/merge",
        "GITHUB_EVENT_NAME" => unquote(event_name),
        "GITHUB_EVENT_PATH" => path
      }

      assert {:ok, %{commit_sha: @head, pull_request: 42, base_sha: @base, default_branch: "trunk"}} =
               CIEnvironment.read(env)
    end
  end

  test "the pull request of an event that is not about one is not taken" do
    path = event_file(%{"pull_request" => %{"number" => 42, "head" => %{"sha" => @head}}})
    env = %{"GITHUB_SHA" => @merge, "GITHUB_EVENT_NAME" => "issue_comment", "GITHUB_EVENT_PATH" => path}
    assert {:ok, %{commit_sha: @merge, pull_request: nil}} = CIEnvironment.read(env)
  end

  test "an event file that cannot be read is an error, not a guess" do
    env = %{
      "GITHUB_SHA" => @merge,
      "GITHUB_EVENT_NAME" => "pull_request",
      "GITHUB_EVENT_PATH" => "/nonexistent/e.json"
    }

    assert CIEnvironment.read(env) ==
             {:error,
              "GitHub's event file /nonexistent/e.json (GITHUB_EVENT_PATH) cannot be read: no such file or directory"}

    path = Path.join(Scratch.dir!(), "event.json")
    File.write!(path, "[1]")
    assert {:error, message} = CIEnvironment.read(%{env | "GITHUB_EVENT_PATH" => path})
    assert message =~ "is not a JSON object"
  end

  test "a GitLab merge request: the source branch's head, the merge request and its base" do
    env = %{
      "CI_PROJECT_PATH" => "acme/backend/shop",
      "CI_COMMIT_SHA" => @merge,
      "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA" => @head,
      "CI_COMMIT_REF_NAME" => "feature/scan",
      "CI_MERGE_REQUEST_IID" => "7",
      "CI_MERGE_REQUEST_DIFF_BASE_SHA" => @base,
      "CI_DEFAULT_BRANCH" => "main"
    }

    assert CIEnvironment.read(env) ==
             {:ok,
              %{
                repository: "acme/backend/shop",
                commit_sha: @head,
                ref: "feature/scan",
                pull_request: 7,
                base_sha: @base,
                default_branch: "main"
              }}
  end

  test "a GitLab branch pipeline, whose merge request variables are empty" do
    env = %{
      "CI_PROJECT_PATH" => "acme/shop",
      "CI_COMMIT_SHA" => @head,
      "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA" => "",
      "CI_COMMIT_REF_NAME" => "main",
      "CI_MERGE_REQUEST_IID" => "",
      "CI_DEFAULT_BRANCH" => "main"
    }

    assert {:ok, %{commit_sha: @head, ref: "main", pull_request: nil, base_sha: nil}} =
             CIEnvironment.read(env)
  end

  test "a merge request number that is not one is an error" do
    env = %{"CI_COMMIT_SHA" => @head, "CI_MERGE_REQUEST_IID" => "seven"}

    assert CIEnvironment.read(env) ==
             {:error, ~s[CI_MERGE_REQUEST_IID must be a merge request number (got "seven")]}
  end
end
