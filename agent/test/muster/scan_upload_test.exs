defmodule Muster.ScanUploadTest do
  use ExUnit.Case, async: false

  alias Muster.{Config, ScanUpload}
  alias Muster.Test.{Httpc, Loopback}

  @head "4f1c2d9e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d"
  @context %{app: "shop", commit_sha: @head}
  @accepted ~s({"id":"scan-1","findings":2,"counts":{"critical":0,"high":1,"medium":0,"low":1}})
  @hex_audit "Dependency  Version  Retirement reason\nplug  1.3.2  (security) Header injection\n"

  defp config(port) do
    %Config{
      api_key: "mst_ci_abc",
      endpoint: "http://127.0.0.1:#{port}",
      app: "shop",
      environment: "test",
      connect_timeout: 5_000,
      request_timeout: 5_000
    }
  end

  defp report(text \\ @hex_audit) do
    {:ok, report} = ScanUpload.report("hex_audit", text)
    report
  end

  defp upload(port, report \\ report()), do: ScanUpload.upload(config(port), @context, report, retry_base: 10)

  defp decode!(body) do
    {:ok, term} = Muster.JSON.decode(body)
    term
  end

  test "posts the report with the ci key and reads the counts of Muster's answer" do
    port = Loopback.start([{:respond, 202, [{"content-type", "application/json"}], @accepted}])

    assert upload(port) ==
             {:ok,
              %{id: "scan-1", findings: 2, counts: %{"critical" => 0, "high" => 1, "medium" => 0, "low" => 1}}}

    assert_received {:loopback, %{method: :POST, target: "/v1/scans", headers: headers, body: body}}
    assert headers["authorization"] == "Bearer mst_ci_abc"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] =~ ~r{^muster-agent/}

    assert decode!(body) == %{
             "app" => "shop",
             "commit_sha" => @head,
             "tool" => "hex_audit",
             "report" => @hex_audit
           }

    assert Httpc.none_left?()
  end

  test "an answer without counts still gives the scan, with no counts" do
    port = Loopback.start([{:respond, 202, [], ~s({"id":"scan-1","findings":3})}])
    assert {:ok, %{id: "scan-1", findings: 3, counts: nil} = result} = upload(port)
    assert ScanUpload.at_or_above(result, "low") == nil
  end

  test "retries a 500, a 429 and a 503, each after a longer wait, until Muster accepts" do
    port =
      Loopback.start([
        {:respond, 500, [], ~s({"error":{"code":"internal","message":"internal error"}})},
        {:respond, 429, [{"retry-after", "0"}], ~s({"message":"Too Many Requests"})},
        {:respond, 503, [], ""},
        {:respond, 202, [], @accepted}
      ])

    started = System.monotonic_time(:millisecond)
    assert {:ok, %{id: "scan-1"}} = upload(port)
    # 10 ms, 20 ms and 40 ms.
    assert System.monotonic_time(:millisecond) - started >= 70

    for _ <- 1..4, do: assert_received({:loopback, %{target: "/v1/scans"}})
  end

  test "gives up after three retries, with the last answer" do
    port = Loopback.start([{:respond, 502, [], "<html>Bad Gateway</html>"}])
    assert {:error, reason} = upload(port)
    assert ScanUpload.describe(reason) == "POST /v1/scans failed with 502: <html>Bad Gateway</html>"

    for _ <- 1..4, do: assert_received({:loopback, _})
    refute_received {:loopback, _}
  end

  test "retries a connection that fails" do
    assert {:error, reason} = upload(Loopback.closed_port())
    assert ScanUpload.describe(reason) == "POST /v1/scans failed: could not connect: :econnrefused"
  end

  test "a 400 is not retried, and names the field" do
    error =
      ~s({"error":{"code":"invalid_request","message":"commit_sha: must be a lower-case hexadecimal commit id",) <>
        ~s("field":"commit_sha","reason":"must be a lower-case hexadecimal commit id"}})

    port = Loopback.start([{:respond, 400, [], error}])
    assert {:error, reason} = upload(port)

    assert ScanUpload.describe(reason) ==
             "POST /v1/scans failed with 400: commit_sha: must be a lower-case hexadecimal commit id"

    assert_received {:loopback, _}
    refute_received {:loopback, _}

    port =
      Loopback.start([
        {:respond, 400, [], ~s({"error":{"field":"report","message":"has more than 2000 findings"}})}
      ])

    assert {:error, reason} = upload(port)

    assert ScanUpload.describe(reason) ==
             "POST /v1/scans failed with 400: report: has more than 2000 findings"
  end

  test "a refused key is not retried" do
    port =
      Loopback.start([{:respond, 401, [], ~s({"error":{"code":"unauthorized","message":"invalid API key"}})}])

    assert {:error, reason} = upload(port)
    assert ScanUpload.describe(reason) == "POST /v1/scans failed with 401: invalid API key"
    assert_received {:loopback, _}
    refute_received {:loopback, _}
  end

  test "an answer that is not a scan is an error" do
    port = Loopback.start([{:respond, 202, [], "accepted"}])
    assert {:error, reason} = upload(port)

    assert ScanUpload.describe(reason) ==
             "POST /v1/scans answered unexpectedly: the answer is not a JSON object"
  end

  describe "a report too large to go inline" do
    # hex.audit's text as it is, not as a JSON string: quotes and line breaks stay raw.
    defp large_hex_audit do
      line = "plug  1.3.2  (security) \"Header injection\" in send_resp\n"
      "Dependency  Version  Retirement reason\n" <> String.duplicate(line, div(1_100_000, byte_size(line)))
    end

    defp claim_check(port, put_answer) do
      [
        {:respond, 201, [],
         Muster.JSON.encode!(%{
           "upload" => "5b0e3c1a-7d2f-4e8b-9a6c-1f2e3d4c5b6a",
           "url" => "http://127.0.0.1:#{port}/payloads/scans/5b0e3c1a?X-Amz-Signature=f00d",
           "method" => "PUT",
           "headers" => %{"content-type" => "application/octet-stream"},
           "expires_at" => "2026-11-29T10:15:00.000Z"
         })},
        put_answer,
        {:respond, 202, [], @accepted}
      ]
    end

    test "puts its bytes as they are to the upload URL, then posts the upload's id" do
      text = large_hex_audit()
      port = Loopback.start(&claim_check(&1, {:respond, 200, [], ""}))

      assert {:ok, %{id: "scan-1"}} = upload(port, report(text))

      assert_received {:loopback, %{method: :POST, target: "/v1/scans/uploads", headers: headers, body: body}}
      assert headers["authorization"] == "Bearer mst_ci_abc"
      assert decode!(body) == %{"bytes" => byte_size(text)}

      assert_received {:loopback, %{method: :PUT, target: target, headers: headers, body: ^text}}
      assert target == "/payloads/scans/5b0e3c1a?X-Amz-Signature=f00d"
      assert headers["content-type"] == "application/octet-stream"
      assert headers["content-length"] == Integer.to_string(byte_size(text))
      refute Map.has_key?(headers, "authorization")

      assert_received {:loopback, %{method: :POST, target: "/v1/scans", body: body}}

      assert decode!(body) == %{
               "app" => "shop",
               "commit_sha" => @head,
               "tool" => "hex_audit",
               "report_upload" => "5b0e3c1a-7d2f-4e8b-9a6c-1f2e3d4c5b6a"
             }
    end

    test "a refused upload says what storage answered, and posts no scan" do
      denied = "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code></Error>"
      port = Loopback.start(&claim_check(&1, {:respond, 403, [], denied}))

      assert {:error, reason} = upload(port, report(large_hex_audit()))
      assert ScanUpload.describe(reason) == "PUT of the report to the upload URL failed with 403: " <> denied

      assert_received {:loopback, %{target: "/v1/scans/uploads"}}
      assert_received {:loopback, %{method: :PUT}}
      refute_received {:loopback, _}
    end
  end

  test "reads JSON reports and hex.audit's text" do
    assert {:ok, %{tool: "mix_audit", raw: ~s({"pass":true,"vulnerabilities":[]}), value: value}} =
             ScanUpload.report("mix_audit", ~s({"pass":true,"vulnerabilities":[]}))

    assert value == %{"pass" => true, "vulnerabilities" => []}

    assert ScanUpload.report("sobelow", "Sobelow: scanning...") ==
             {:error, ~s(is not JSON: unexpected "S" at byte 0)}

    assert ScanUpload.report("hex_audit", <<0xFF>>) == {:error, "is not UTF-8 text"}
  end

  test "counts the findings at or above a severity" do
    result = %{id: "s", findings: 10, counts: %{"critical" => 1, "high" => 2, "medium" => 3, "low" => 4}}
    assert ScanUpload.at_or_above(result, "critical") == 1
    assert ScanUpload.at_or_above(result, "high") == 3
    assert ScanUpload.at_or_above(result, "medium") == 6
    assert ScanUpload.at_or_above(result, "low") == 10
  end
end
