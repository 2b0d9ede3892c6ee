defmodule Muster.TransportTest do
  use ExUnit.Case, async: false

  alias Muster.{Config, Proxy, Transport}
  alias Muster.Test.Loopback

  @body ~s({"app":"shop"})

  defp config(port, overrides \\ []) do
    struct!(
      %Config{
        api_key: "mst_ingest_abc",
        endpoint: "http://127.0.0.1:#{port}",
        app: "shop",
        environment: "prod",
        connect_timeout: 1_000,
        request_timeout: 1_000
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
    assert_in_delta Transport.retry_after([{'retry-after', String.to_charlist(later)}]), 120_000, 2_000
    assert Transport.retry_after([{'retry-after', 'soon'}]) == nil
    assert Transport.retry_after([]) == nil
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
    assert Keyword.get(:httpc.info(:muster), :handlers) == []
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

  test "refuses a TLS server whose certificate no trusted CA signed" do
    chain = %{root: [], intermediates: [], peer: []}
    %{server_config: server} = :public_key.pkix_test_data(%{server_chain: chain, client_chain: chain})
    {:ok, listen} = :ssl.listen(0, [active: false, reuseaddr: true, ip: {127, 0, 0, 1}] ++ server)
    {:ok, {_, port}} = :ssl.sockname(listen)
    test = self()

    spawn_link(fn ->
      {:ok, socket} = :ssl.transport_accept(listen)
      send(test, {:handshake, :ssl.handshake(socket, 5_000)})
    end)

    assert {:error, {:network, {:failed_connect, details}}} =
             Transport.post(%{config(port) | endpoint: "https://localhost:#{port}"}, @body)

    assert inspect(details) =~ "unknown_ca"
    assert_receive {:handshake, {:error, _}}, 5_000
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

    assert Transport.describe({:crashed, {%RuntimeError{message: "boom"}, []}}) ==
             "the report crashed: ** (RuntimeError) boom"

    assert Transport.describe({:crashed, :killed}) == "the report crashed: :killed"
  end
end
