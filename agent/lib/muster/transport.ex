defmodule Muster.Transport do
  @moduledoc """
  Sends one encoded heartbeat to `POST <endpoint>/v1/heartbeat` with `:httpc`.

  Each report runs its own stand-alone `:httpc` client, linked to the report and stopped after it,
  so that the agent's proxy settings never touch the app's own HTTP requests and nothing of a report
  outlives it. The clients share one profile, whose tables are named after it, so one report's
  client must be gone before the next one's starts. HTTPS verifies the server's certificate against
  the operating system's CA store (`:public_key.cacerts_get/0`) and its host name. Connecting and
  the whole request each have a timeout.

  Memory stays bounded whatever the server does. `:httpc` reads a whole answer into memory before
  handing it over, however large, so while the agent waits it counts the bytes that have reached
  the request's socket and cancels the request once they pass a mebibyte (Muster's answers are a
  few dozen bytes). Of an answer that does arrive, only the first bytes are kept, for the log.
  """

  alias Muster.Config

  @client_name :muster
  @response_limit 1_048_576
  @kept_body 512
  @poll_interval 25

  @typedoc "Why a heartbeat was not accepted."
  @type reason ::
          {:rate_limited, retry_after_ms :: non_neg_integer | nil}
          | {:rejected, status :: 400..499, body :: String.t()}
          | {:status, status :: pos_integer}
          | {:network, term}
          | {:tls, String.t()}
          | :response_too_large

  @doc """
  Sends `body`, a JSON heartbeat. `{:ok, status}` means Muster accepted it (a 2xx status).

  A 429 gives `{:error, {:rate_limited, ms}}` with the wait its `Retry-After` asks for (or `nil`),
  any other 4xx `{:error, {:rejected, status, body}}` (sending the same again will not help),
  other statuses `{:error, {:status, status}}`, and connection failures and timeouts
  `{:error, {:network, reason}}`.
  """
  @spec post(Config.t(), binary) :: {:ok, pos_integer} | {:error, reason}
  def post(%Config{} = config, body) when is_binary(body) do
    with {:ok, ssl} <- ssl_options(config.endpoint) do
      with_client(config.proxy, fn client -> request(client, config, ssl, body) end)
    end
  end

  defp request(client, config, ssl, body) do
    request =
      {String.to_charlist(config.endpoint <> "/v1/heartbeat"),
       [
         {'authorization', String.to_charlist("Bearer " <> config.api_key)},
         {'user-agent', String.to_charlist("muster-agent/#{version()}")}
       ], 'application/json', body}

    http_options =
      [
        timeout: config.request_timeout,
        connect_timeout: config.connect_timeout,
        autoredirect: false,
        ssl: ssl
      ] ++ proxy_auth(config.proxy)

    deadline = System.monotonic_time(:millisecond) + config.connect_timeout + config.request_timeout + 1_000

    case :httpc.request(:post, request, http_options, [sync: false, body_format: :binary], client) do
      {:ok, ref} -> await(client, ref, deadline)
      {:error, reason} -> {:error, {:network, reason}}
    end
  end

  @doc "A sentence for the log that says what went wrong."
  @spec describe(reason | {:crashed, term}) :: String.t()
  def describe({:rate_limited, nil}), do: "Muster asked to slow down (429)"
  def describe({:rate_limited, ms}), do: "Muster asked to slow down (429) for #{div(ms + 999, 1000)} s"
  def describe({:rejected, status, ""}), do: "Muster refused the heartbeat (#{status})"
  def describe({:rejected, status, body}), do: "Muster refused the heartbeat (#{status}): #{body}"
  def describe({:status, status}), do: "Muster answered #{status}"
  def describe({:network, :timeout}), do: "Muster did not answer in time"
  def describe({:network, :socket_closed_remotely}), do: "the connection closed before Muster answered"
  def describe({:network, {:failed_connect, details}}), do: "could not connect: #{connect_error(details)}"
  def describe({:network, reason}), do: "the request failed: #{inspect(reason)}"
  def describe({:tls, problem}), do: problem
  def describe(:response_too_large), do: "the answer was too large and was dropped"

  def describe({:crashed, {error, [{_module, _function, _arity, _location} | _] = stacktrace}}),
    do: "the report crashed: " <> Exception.format_banner(:error, error, stacktrace)

  def describe({:crashed, reason}), do: "the report crashed: #{inspect(reason)}"

  defp connect_error(details) do
    Enum.find_value(details, inspect(details), fn
      {family, _options, reason} when family in [:inet, :inet6] -> inspect(reason)
      _ -> nil
    end)
  end

  defp version do
    case Application.spec(:muster, :vsn) do
      nil -> "unknown"
      vsn -> List.to_string(vsn)
    end
  end

  defp ssl_options("https:" <> _) do
    {:ok,
     [
       verify: :verify_peer,
       cacerts: :public_key.cacerts_get(),
       customize_hostname_check: [match_fun: :public_key.pkix_verify_hostname_match_fun(:https)]
     ]}
  rescue
    _ ->
      {:error,
       {:tls, "no CA certificates found in the operating system to verify Muster's (install ca-certificates)"}}
  end

  defp ssl_options(_http), do: {:ok, []}

  defp proxy_auth(%Muster.Proxy{auth: {user, password}}),
    do: [proxy_auth: {String.to_charlist(user), String.to_charlist(password)}]

  defp proxy_auth(_), do: []

  defp with_client(proxy, fun) do
    case :inets.start(:httpc, [profile: @client_name], :stand_alone) do
      {:ok, client} ->
        try do
          with :ok <- set_proxy(client, proxy), do: fun.(client)
        after
          stop_client(client)
        end

      {:error, reason} ->
        {:error, {:network, reason}}
    end
  end

  defp set_proxy(_client, nil), do: :ok

  defp set_proxy(client, %Muster.Proxy{host: host, port: port}) do
    address = {{String.to_charlist(host), port}, []}

    # Muster.Proxy chose the proxy for the endpoint's scheme; httpc takes it for either.
    case :httpc.set_options([proxy: address, https_proxy: address], client) do
      :ok -> :ok
      {:error, reason} -> {:error, {:network, reason}}
    end
  end

  # The client is linked to this process and stops with :shutdown, which would take this process
  # along; and the next report's client may only start once this one is gone.
  defp stop_client(client) do
    Process.unlink(client)
    monitor = Process.monitor(client)
    :inets.stop(:stand_alone, client)

    receive do
      {:DOWN, ^monitor, :process, _, _} -> :ok
    after
      5_000 -> Process.exit(client, :kill)
    end
  end

  defp await(client, ref, deadline) do
    receive do
      {:http, {^ref, result}} -> answer(result)
    after
      @poll_interval ->
        cond do
          System.monotonic_time(:millisecond) > deadline ->
            cancel(client, ref)
            {:error, {:network, :timeout}}

          received_bytes(client) > @response_limit ->
            cancel(client, ref)
            {:error, :response_too_large}

          true ->
            await(client, ref, deadline)
        end
    end
  end

  # The bytes received so far on the sockets of the client's request handlers. A handler (a
  # process linked to the stand-alone client) owns its TCP socket for http; for https the TLS
  # connection process that monitors the handler owns it. Sockets are ports, and reading their
  # statistics disturbs nobody.
  defp received_bytes(client) do
    handlers = for pid <- links(client), is_pid(pid), pid != self(), do: pid
    owners = handlers ++ Enum.flat_map(handlers, &monitored_by/1)

    owners
    |> Enum.flat_map(&links/1)
    |> Enum.filter(&is_port/1)
    |> Enum.uniq()
    |> Enum.reduce(0, fn port, sum ->
      case :inet.getstat(port, [:recv_oct]) do
        {:ok, [recv_oct: bytes]} -> sum + bytes
        _ -> sum
      end
    end)
  end

  defp links(pid) do
    case Process.info(pid, :links) do
      {:links, links} -> links
      nil -> []
    end
  end

  defp monitored_by(pid) do
    case Process.info(pid, :monitored_by) do
      {:monitored_by, monitors} -> Enum.filter(monitors, &is_pid/1)
      nil -> []
    end
  end

  defp cancel(client, ref) do
    :httpc.cancel_request(ref, client)

    receive do
      {:http, {^ref, _}} -> :ok
    after
      0 -> :ok
    end
  end

  defp answer({{_version, status, _phrase}, _headers, _body}) when status in 200..299, do: {:ok, status}

  defp answer({{_version, 429, _phrase}, headers, _body}),
    do: {:error, {:rate_limited, retry_after(headers)}}

  defp answer({{_version, status, _phrase}, _headers, body}) when status in 400..499,
    do: {:error, {:rejected, status, excerpt(body)}}

  defp answer({{_version, status, _phrase}, _headers, _body}), do: {:error, {:status, status}}
  defp answer({:error, reason}), do: {:error, {:network, reason}}

  defp excerpt(body) when is_binary(body) do
    kept = :binary.copy(binary_part(body, 0, min(byte_size(body), @kept_body)))
    String.replace(kept, ~r/[^\x20-\x7e]/, "?")
  end

  @doc false
  @spec retry_after([{charlist, charlist}]) :: non_neg_integer | nil
  def retry_after(headers) do
    case List.keyfind(headers, 'retry-after', 0) do
      {_, value} -> value |> List.to_string() |> String.trim() |> retry_after_ms()
      nil -> nil
    end
  end

  # Retry-After is a number of seconds or an HTTP date.
  defp retry_after_ms(value) do
    case Integer.parse(value) do
      {seconds, ""} when seconds >= 0 ->
        seconds * 1000

      _ ->
        case :httpd_util.convert_request_date(String.to_charlist(value)) do
          :bad_date ->
            nil

          date ->
            seconds =
              :calendar.datetime_to_gregorian_seconds(date) -
                :calendar.datetime_to_gregorian_seconds(:calendar.universal_time())

            max(seconds, 0) * 1000
        end
    end
  end
end
