defmodule Mix.Tasks.Muster.ScanTest do
  use ExUnit.Case, async: false

  import ExUnit.CaptureIO

  alias Muster.Test.{AgentEnv, Loopback, Scratch}

  @moduletag :capture_log

  # Real reports of a deliberately insecure Phoenix app, kept beside the repository rather than in it.
  @scans Path.expand("../../shared/scans", File.cwd!())
  @sobelow Path.join(@scans, "sobelow/insecure-phoenix.json")
  @mix_audit Path.join(@scans, "mix_audit/insecure-phoenix.json")

  @head "4f1c2d9e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d"
  @base "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
  @merge "fedcba9876543210fedcba9876543210fedcba98"

  @hex_audit """
  Dependency  Version  Retirement reason
  plug        1.3.2    (security) Header injection in send_resp
  Found retired packages
  """

  setup do
    AgentEnv.isolate()
    AgentEnv.isolate_ci()
    %{dir: Scratch.dir!()}
  end

  defp scan(args), do: capture_io(fn -> Mix.Tasks.Muster.Scan.run(args) end)

  defp muster(port) do
    System.put_env(%{"MUSTER_API_KEY" => "mst_ci_abc", "MUSTER_ENDPOINT" => "http://127.0.0.1:#{port}"})
  end

  defp accepted(id, counts) do
    findings = counts |> Map.values() |> Enum.sum()

    {:respond, 202, [{"content-type", "application/json"}],
     Muster.JSON.encode!(%{id: id, findings: findings, counts: counts})}
  end

  defp counts(overrides), do: Map.merge(%{critical: 0, high: 0, medium: 0, low: 0}, Map.new(overrides))

  defp write(dir, name, content) do
    path = Path.join(dir, name)
    File.write!(path, content)
    path
  end

  defp decode!(body) do
    {:ok, term} = Muster.JSON.decode(body)
    term
  end

  defp next_scan do
    assert_received {:loopback, %{method: :POST, target: "/v1/scans", headers: headers, body: body}}
    assert headers["authorization"] == "Bearer mst_ci_abc"
    assert headers["content-type"] == "application/json"
    decode!(body)
  end

  unless File.exists?(@sobelow) and File.exists?(@mix_audit),
    do: @tag(skip: "the shared scan reports are not in #{@scans}")

  test "uploads Sobelow's and mix_audit's reports of a GitHub pull request, as scans of its head", %{dir: dir} do
    event =
      write(
        dir,
        "event.json",
        Muster.JSON.encode!(%{
          "action" => "synchronize",
          "pull_request" => %{"number" => 42, "head" => %{"sha" => @head}, "base" => %{"sha" => @base}},
          "repository" => %{"full_name" => "acme/shop", "default_branch" => "main"}
        })
      )

    System.put_env(%{
      "GITHUB_ACTIONS" => "true",
      "GITHUB_REPOSITORY" => "acme/shop",
      "GITHUB_SHA" => @merge,
      "GITHUB_REF" => "refs/pull/42/merge",
      "GITHUB_EVENT_NAME" => "pull_request",
      "GITHUB_EVENT_PATH" => event
    })

    port =
      Loopback.start([
        accepted("scan-1", counts(high: 3, medium: 6, low: 1)),
        accepted("scan-2", counts(critical: 1))
      ])

    muster(port)

    output = scan(["--sobelow", @sobelow, "--mix-audit", @mix_audit, "--app", "shop"])

    assert output ==
             "sobelow: 10 findings (3 high, 6 medium, 1 low) uploaded as scan-1\n" <>
               "mix_audit: 1 finding (1 critical) uploaded as scan-2\n"

    where = %{
      "app" => "shop",
      "commit_sha" => @head,
      "ref" => "refs/pull/42/merge",
      "pull_request" => 42,
      "repository" => "acme/shop",
      "base_sha" => @base,
      "default_branch" => "main"
    }

    assert next_scan() == Map.merge(where, %{"tool" => "sobelow", "report" => decode!(File.read!(@sobelow))})

    assert next_scan() ==
             Map.merge(where, %{"tool" => "mix_audit", "report" => decode!(File.read!(@mix_audit))})

    refute_received {:loopback, _}
  end

  test "uploads hex.audit's text, as a JSON string, of a GitLab merge request", %{dir: dir} do
    System.put_env(%{
      "GITLAB_CI" => "true",
      "CI_PROJECT_PATH" => "acme/backend/shop",
      "CI_COMMIT_SHA" => @merge,
      "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA" => @head,
      "CI_COMMIT_REF_NAME" => "feature/scan",
      "CI_MERGE_REQUEST_IID" => "7",
      "CI_MERGE_REQUEST_DIFF_BASE_SHA" => @base,
      "CI_DEFAULT_BRANCH" => "main"
    })

    port = Loopback.start([accepted("scan-1", counts(high: 1))])
    muster(port)

    assert scan(["--hex-audit", write(dir, "hex_audit.txt", @hex_audit), "--app", "shop"]) ==
             "hex_audit: 1 finding (1 high) uploaded as scan-1\n"

    assert next_scan() == %{
             "app" => "shop",
             "commit_sha" => @head,
             "ref" => "feature/scan",
             "pull_request" => 7,
             "repository" => "acme/backend/shop",
             "base_sha" => @base,
             "default_branch" => "main",
             "tool" => "hex_audit",
             "report" => @hex_audit
           }
  end

  test "the command line wins over the CI variables", %{dir: dir} do
    System.put_env(%{
      "GITHUB_REPOSITORY" => "acme/shop",
      "GITHUB_SHA" => @merge,
      "GITHUB_REF" => "refs/heads/main",
      "GITHUB_EVENT_NAME" => "push"
    })

    port = Loopback.start([accepted("scan-1", counts([]))])
    muster(port)

    output =
      scan([
        "--hex-audit",
        write(dir, "hex_audit.txt", "No retired packages found\n"),
        "--app",
        "Shop",
        "--commit",
        String.upcase(@head),
        "--ref",
        "refs/heads/release",
        "--pull-request",
        "9",
        "--repository",
        "acme/shop-fork",
        "--base-sha",
        @base,
        "--default-branch",
        "trunk"
      ])

    assert output == "hex_audit: 0 findings uploaded as scan-1\n"

    assert next_scan() == %{
             "app" => "shop",
             "commit_sha" => @head,
             "ref" => "refs/heads/release",
             "pull_request" => 9,
             "repository" => "acme/shop-fork",
             "base_sha" => @base,
             "default_branch" => "trunk",
             "tool" => "hex_audit",
             "report" => "No retired packages found\n"
           }
  end

  test "outside CI, the commit and branch are git's, and the app is the Mix project's", %{dir: dir} do
    {commit, 0} = System.cmd("git", ["rev-parse", "HEAD"])
    {branch, 0} = System.cmd("git", ["rev-parse", "--abbrev-ref", "HEAD"])
    port = Loopback.start([accepted("scan-1", counts([]))])
    muster(port)

    scan(["--hex-audit", write(dir, "hex_audit.txt", "No retired packages found\n")])

    body = next_scan()
    assert body["app"] == "muster"
    assert body["commit_sha"] == String.trim(commit)

    case String.trim(branch) do
      "HEAD" -> refute Map.has_key?(body, "ref")
      branch -> assert body["ref"] == branch
    end

    assert Map.keys(body) -- ["ref"] == ["app", "commit_sha", "report", "tool"]
  end

  describe "without a report file" do
    # A `mix` first on the PATH that prints a hex.audit report and exits as hex.audit does.
    defp fake_mix(dir, output, status) do
      bin = Path.join(dir, "bin")
      File.mkdir_p!(bin)
      write(dir, "output.txt", output)

      script =
        write(
          bin,
          "mix",
          "#!/bin/sh\necho \"$@\" > '#{dir}/args.txt'\ncat '#{dir}/output.txt'\nexit #{status}\n"
        )

      File.chmod!(script, 0o755)

      path = System.get_env("PATH")
      System.put_env("PATH", bin <> ":" <> path)
      on_exit(fn -> System.put_env("PATH", path) end)
    end

    test "runs mix hex.audit, whose exit status for retired packages is no error", %{dir: dir} do
      fake_mix(dir, @hex_audit, 1)
      port = Loopback.start([accepted("scan-1", counts(high: 1))])
      muster(port)

      assert scan(["--commit", @head]) == "hex_audit: 1 finding (1 high) uploaded as scan-1\n"
      assert File.read!(Path.join(dir, "args.txt")) == "hex.audit\n"
      assert %{"tool" => "hex_audit", "report" => @hex_audit} = next_scan()
    end

    test "a mix hex.audit that fails otherwise uploads nothing", %{dir: dir} do
      fake_mix(dir, "** (Mix) The task \"hex.audit\" could not be found\n", 1)
      port = Loopback.start([accepted("scan-1", counts([]))])
      muster(port)

      assert_raise Mix.Error, ~r/mix hex.audit failed \(exit status 1\):\n\*\* \(Mix\) The task/, fn ->
        scan(["--run-hex-audit", "--commit", @head])
      end

      refute_received {:loopback, _}
    end
  end

  test "a report over a mebibyte goes through an upload URL, as the bytes of its file", %{dir: dir} do
    finding = fn i ->
      ~s(    {"type": "XSS.SendResp: XSS in `send_resp`", "file": "lib/shop_web/controllers/page_#{i}.ex", ) <>
        ~s("line": #{i}, "variable": "#{String.duplicate("v", 500)}"})
    end

    report =
      ~s({\n  "findings": {\n    "high_confidence": [\n) <>
        Enum.map_join(1..2000, ",\n", finding) <>
        ~s(\n    ],\n    "medium_confidence": [],\n    "low_confidence": []\n  }\n}\n)

    assert byte_size(report) > 1_048_576
    path = write(dir, "sobelow.json", report)

    port =
      Loopback.start(fn port ->
        [
          {:respond, 201, [],
           Muster.JSON.encode!(%{
             upload: "5b0e3c1a-7d2f-4e8b-9a6c-1f2e3d4c5b6a",
             url: "http://127.0.0.1:#{port}/payloads/scans/5b0e3c1a?X-Amz-Signature=f00d",
             method: "PUT",
             headers: %{"content-type" => "application/octet-stream"},
             expires_at: "2026-11-29T10:15:00.000Z"
           })},
          {:respond, 200, [], ""},
          accepted("scan-1", counts(high: 2000))
        ]
      end)

    muster(port)

    assert scan(["--sobelow", path, "--app", "shop", "--commit", @head]) ==
             "sobelow: 2000 findings (2000 high) uploaded as scan-1\n"

    assert_received {:loopback, %{method: :POST, target: "/v1/scans/uploads", body: body}}
    assert decode!(body) == %{"bytes" => byte_size(report)}

    assert_received {:loopback, %{method: :PUT, headers: headers, body: ^report}}
    assert headers["content-type"] == "application/octet-stream"
    refute Map.has_key?(headers, "authorization")

    assert next_scan() == %{
             "app" => "shop",
             "commit_sha" => @head,
             "tool" => "sobelow",
             "report_upload" => "5b0e3c1a-7d2f-4e8b-9a6c-1f2e3d4c5b6a"
           }
  end

  describe "--fail-on" do
    setup %{dir: dir} do
      %{
        args: [
          "--hex-audit",
          write(dir, "hex_audit.txt", @hex_audit),
          "--mix-audit",
          write(dir, "mix_audit.json", ~s({"pass":true,"vulnerabilities":[]})),
          "--commit",
          @head
        ]
      }
    end

    test "fails once all are uploaded, when findings are at or above the level", %{args: args} do
      port =
        Loopback.start([accepted("scan-1", counts(low: 2)), accepted("scan-2", counts(critical: 1, high: 1))])

      muster(port)

      assert_raise Mix.Error, "2 findings at or above high", fn -> scan(args ++ ["--fail-on", "high"]) end
      assert_received {:loopback, _}
      assert_received {:loopback, _}
    end

    test "passes when the findings are all below it", %{args: args} do
      port = Loopback.start([accepted("scan-1", counts(low: 3))])
      muster(port)

      assert scan(args ++ ["--fail-on", "high"]) ==
               "mix_audit: 3 findings (3 low) uploaded as scan-1\nhex_audit: 3 findings (3 low) uploaded as scan-1\n"

      assert_raise Mix.Error, "6 findings at or above low", fn -> scan(args ++ ["--fail-on", "LOW"]) end
    end

    test "takes only the four levels", %{args: args} do
      assert_raise Mix.Error, ~r/--fail-on must be one of critical, high, medium, low \(got "severe"\)/, fn ->
        scan(args ++ ["--fail-on", "severe"])
      end
    end
  end

  test "a report that Muster refuses fails the task with its reason, after the others are uploaded", %{
    dir: dir
  } do
    error =
      Muster.JSON.encode!(%{
        error: %{
          code: "invalid_request",
          message: "report.vulnerabilities: Required",
          field: "report.vulnerabilities",
          reason: "Required"
        }
      })

    port = Loopback.start([{:respond, 400, [], error}, accepted("scan-2", counts([]))])
    muster(port)

    args = [
      "--mix-audit",
      write(dir, "mix_audit.json", ~s({"pass":true})),
      "--hex-audit",
      write(dir, "hex_audit.txt", "No retired packages found\n"),
      "--commit",
      @head
    ]

    output =
      capture_io(fn ->
        assert_raise Mix.Error,
                     "mix_audit: not uploaded: POST /v1/scans failed with 400: report.vulnerabilities: Required",
                     fn -> Mix.Tasks.Muster.Scan.run(args) end
      end)

    assert output == "hex_audit: 0 findings uploaded as scan-2\n"
  end

  test "needs a key and an endpoint", %{dir: dir} do
    args = ["--hex-audit", write(dir, "hex_audit.txt", @hex_audit), "--commit", @head]
    assert_raise Mix.Error, "No API key: set MUSTER_API_KEY to a key of the ci scope", fn -> scan(args) end

    # The running app's ingest key, in its configuration, is not a ci key.
    AgentEnv.restart(api_key: "mst_ingest_abc", endpoint: "http://127.0.0.1:1")
    assert_raise Mix.Error, ~r/No API key/, fn -> scan(args) end

    AgentEnv.restart([])
    System.put_env("MUSTER_API_KEY", "mst_ci_abc")
    assert_raise Mix.Error, ~r/No endpoint: set MUSTER_ENDPOINT/, fn -> scan(args) end
  end

  test "refuses what it cannot send, before sending anything", %{dir: dir} do
    port = Loopback.start([accepted("scan-1", counts([]))])
    muster(port)
    hex_audit = write(dir, "hex_audit.txt", @hex_audit)

    assert_raise Mix.Error, ~r/The app name must be 1 to 64 characters .* \(got "my shop"\)/, fn ->
      scan(["--hex-audit", hex_audit, "--commit", @head, "--app", "my shop"])
    end

    assert_raise Mix.Error, ~r/The commit must be 7 to 64 hexadecimal digits \(got "main"\)/, fn ->
      scan(["--hex-audit", hex_audit, "--commit", "main"])
    end

    assert_raise Mix.Error, ~r/The pull request must be a positive number/, fn ->
      scan(["--hex-audit", hex_audit, "--commit", @head, "--pull-request", "0"])
    end

    assert_raise Mix.Error, ~r/--sobelow .*nowhere.json cannot be read: no such file or directory/, fn ->
      scan(["--sobelow", Path.join(dir, "nowhere.json"), "--commit", @head])
    end

    assert_raise Mix.Error, ~r/--mix-audit .* is not JSON: unexpected "=" at byte 0/, fn ->
      scan(["--mix-audit", write(dir, "audit.txt", "==> deps.audit"), "--commit", @head])
    end

    assert_raise Mix.Error, "Give --hex-audit FILE or --run-hex-audit, not both", fn ->
      scan(["--hex-audit", hex_audit, "--run-hex-audit", "--commit", @head])
    end

    assert_raise Mix.Error, ~r/Unexpected arguments: sobelow.json/, fn -> scan(["sobelow.json"]) end
    refute_received {:loopback, _}
  end
end
