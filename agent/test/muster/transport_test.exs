defmodule Muster.TransportTest do
  use ExUnit.Case, async: false

  alias Muster.{Config, HTTP, Proxy, Transport}
  alias Muster.Test.{Httpc, Loopback}

  @body ~s({"app":"shop"})

  # A certificate chain for this host's name, and its root in a PEM file.
  defp test_certificates(tmp) do
    chain = %{
      root: [key: {:namedCurve, :secp256r1}],
      intermediates: [],
      peer: [key: {:namedCurve, :secp256r1}]
    }

    %{server_config: server, client_config: client} =
      :public_key.pkix_test_data(%{server_chain: chain, client_chain: chain})

    pem = Path.join(tmp, "ca.pem")

    File.write!(
      pem,
      :public_key.pem_encode(for der <- client[:cacerts], do: {:Certificate, der, :not_encrypted})
    )

    {server, pem}
  end

  # Trusts the test root as if the operating system did, for this test only.
  defp trust(pem) do
    :ok = :public_key.cacerts_load(pem)
    on_exit(fn -> :public_key.cacerts_clear() end)
  end

  defp config(port, overrides \\ []) do
    struct!(
      %Config{
        api_key: "mst_ingest_abc",
        endpoint: "http://127.0.0.1:#{port}",
        app: "shop",
        environment: "prod",
        connect_timeout: 5_000,
        request_timeout: 5_000
      },
      overrides
    )
  end

  test "posts the heartbeat with the key and JSON, and takes a 202" do
    port = Loopback.start([{:respond, 202, [{"content-type", "application/json"}], ~s({"id":"abc"})}])
    assert Transport.post(config(port), @body) == {:ok, 202}

    assert_received {:loopback, request}
    assert request.method == :POST
    assert request.target == "/v1/heartbeat"
    assert request.headers["authorization"] == "Bearer mst_ingest_abc"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] =~ ~r{^muster-agent/\d}
    assert request.body == @body
    assert Httpc.none_left?()
  end

  test "a 500 is a failure to retry" do
    port = Loopback.start([{:respond, 500, [], ~s({"error":{"code":"internal"}})}])
    assert Transport.post(config(port), @body) == {:error, {:status, 500}}
  end

  test "a server that never answers times out" do
    port = Loopback.start([:hang])
    started = System.monotonic_time(:millisecond)
    assert Transport.post(config(port, request_timeout: 300), @body) == {:error, {:network, :timeout}}
    assert System.monotonic_time(:millisecond) - started < 2_000
  end

  test "a connection closed before the answer is a network failure" do
    port = Loopback.start([:close])
    assert Transport.post(config(port), @body) == {:error, {:network, :socket_closed_remotely}}
  end

  test "a server that is not listening is a connection failure" do
    assert {:error, {:network, {:failed_connect, _}} = reason} =
             Transport.post(config(Loopback.closed_port()), @body)

    assert Transport.describe(reason) == "could not connect: :econnrefused"
  end

  test "a 429 carries the wait its Retry-After asks, in seconds or as a date" do
    port = Loopback.start([{:respond, 429, [{"retry-after", "7"}], ~s({"message":"Too Many Requests"})}])
    assert Transport.post(config(port), @body) == {:error, {:rate_limited, 7_000}}

    later = DateTime.utc_now() |> DateTime.add(120, :second) |> Calendar.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert_in_delta HTTP.retry_after([{'retry-after', String.to_charlist(later)}]), 120_000, 2_000
    assert HTTP.retry_after([{'retry-after', 'soon'}]) == nil
    assert HTTP.retry_after([]) == nil
  end

  test "another 4xx is a refusal, with the start of the answer for the log" do
    error =
      ~s({"error":{"code":"invalid_request","message":"bad","field":"deps[3].version","reason":"too long"}})

    port = Loopback.start([{:respond, 400, [], error}])
    assert {:error, {:rejected, 400, ^error} = reason} = Transport.post(config(port), @body)
    assert Transport.describe(reason) =~ "Muster refused the heartbeat (400): {\"error\""
  end

  test "keeps only the start of a long answer" do
    port = Loopback.start([{:respond, 401, [], String.duplicate("é", 10_000)}])
    assert {:error, {:rejected, 401, kept}} = Transport.post(config(port), @body)
    assert byte_size(kept) == 512
  end

  test "drops an answer that never ends, holding a bounded amount of memory" do
    port = Loopback.start([:endless_body])
    started = System.monotonic_time(:millisecond)

    assert Transport.post(config(port, request_timeout: 30_000), @body) == {:error, :response_too_large}
    assert System.monotonic_time(:millisecond) - started < 10_000
    assert Httpc.none_left?()
    # What was sent before the agent hung up, socket buffers included: far from the terabyte offered.
    assert_receive {:loopback_streamed, streamed}, 5_000
    assert streamed < 200_000_000
  end

  test "goes through the proxy the environment names" do
    proxy_port = Loopback.start([{:respond, 202, [], "{}"}])
    proxy = %Proxy{host: "127.0.0.1", port: proxy_port, auth: {"user", "secret"}}
    config = %{config(80) | endpoint: "http://muster.invalid", proxy: proxy}

    assert Transport.post(config, @body) == {:ok, 202}
    assert_received {:loopback, request}
    assert request.target == "http://muster.invalid/v1/heartbeat"
    assert request.headers["proxy-authorization"] == "Basic " <> Base.encode64("user:secret")

    # Without a proxy again, the request goes straight to the endpoint.
    direct = Loopback.start([{:respond, 202, [], "{}"}])
    assert Transport.post(config(direct), @body) == {:ok, 202}
    assert_received {:loopback, %{target: "/v1/heartbeat"}}
  end

  describe "over TLS" do
    setup do
      %{tmp_dir: Muster.Test.Scratch.dir!()}
    end

    test "sends to a server whose certificate a trusted CA signed for its name", %{tmp_dir: tmp} do
      {server, pem} = test_certificates(tmp)
      trust(pem)
      port = Loopback.start([{:respond, 202, [], "{}"}], tls: server)
      https = %{config(port) | endpoint: "https://#{:net_adm.localhost()}:#{port}"}

      assert Transport.post(https, @body) == {:ok, 202}
      assert_received {:loopback, %{target: "/v1/heartbeat", body: @body}}
    end

    test "refuses a certificate that no trusted CA signed", %{tmp_dir: tmp} do
      {server, _pem} = test_certificates(tmp)
      port = Loopback.start([{:respond, 202, [], "{}"}], tls: server)
      https = %{config(port) | endpoint: "https://#{:net_adm.localhost()}:#{port}"}

      assert {:error, {:network, {:failed_connect, details}}} = Transport.post(https, @body)
      assert inspect(details) =~ "unknown_ca"
      assert_receive {:loopback_tls_failed, _}
      refute_received {:loopback, _}
      assert Httpc.none_left?()
    end

    test "refuses a certificate for another name", %{tmp_dir: tmp} do
      {server, pem} = test_certificates(tmp)
      trust(pem)
      port = Loopback.start([{:respond, 202, [], "{}"}], tls: server)

      assert {:error, {:network, {:failed_connect, details}}} =
               Transport.post(%{config(port) | endpoint: "https://127.0.0.1:#{port}"}, @body)

      assert inspect(details) =~ "hostname_check_failed"
      refute_received {:loopback, _}
    end

    test "drops an answer that never ends", %{tmp_dir: tmp} do
      {server, pem} = test_certificates(tmp)
      trust(pem)
      port = Loopback.start([:endless_body], tls: server)
      https = %{config(port, request_timeout: 30_000) | endpoint: "https://#{:net_adm.localhost()}:#{port}"}

      assert Transport.post(https, @body) == {:error, :response_too_large}
      assert_receive {:loopback_streamed, streamed}, 5_000
      assert streamed < 200_000_000
      assert Httpc.none_left?()
    end
  end

  test "describes each failure in a sentence" do
    assert Transport.describe({:rate_limited, 7_000}) == "Muster asked to slow down (429) for 7 s"
    assert Transport.describe({:rate_limited, nil}) == "Muster asked to slow down (429)"
    assert Transport.describe({:rejected, 401, ""}) == "Muster refused the heartbeat (401)"
    assert Transport.describe({:status, 503}) == "Muster answered 503"
    assert Transport.describe({:network, :timeout}) == "Muster did not answer in time"

    assert Transport.describe({:network, :socket_closed_remotely}) ==
             "the connection closed before Muster answered"

    assert Transport.describe(:response_too_large) == "the answer was too large and was dropped"

    {:current_stacktrace, stacktrace} = Process.info(self(), :current_stacktrace)

    assert Transport.describe({:crashed, {%RuntimeError{message: "boom"}, stacktrace}}) ==
             "the report crashed: ** (RuntimeError) boom"

    assert Transport.describe({:crashed, {:badarg, stacktrace}}) ==
             "the report crashed: ** (ArgumentError) argument error"

    assert Transport.describe({:crashed, :killed}) == "the report crashed: :killed"
  end
end
