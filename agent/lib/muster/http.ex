defmodule Muster.HTTP do
  @moduledoc """
  One HTTP request with `:httpc`, made the way every request of the agent is: the heartbeats of
  `Muster.Transport` and the uploads of `mix muster.scan` (`Muster.ScanUpload`).

  Each request runs its own stand-alone `:httpc` client, linked to the caller and stopped after it,
  so that the agent's proxy settings never touch the app's own HTTP requests and nothing of a
  request outlives it. The clients share one profile, whose tables are named after it, so one
  request's client must be gone before the next one's starts. HTTPS verifies the server's
  certificate against the operating system's CA store (`:public_key.cacerts_get/0`) and its host
  name. Connecting and the whole request each have a timeout.

  Memory stays bounded whatever the server does. `:httpc` reads a whole answer into memory before
  handing it over, however large, so while the caller waits it counts the bytes that have reached
  the request's socket and cancels the request once they pass a mebibyte (Muster's answers are a
  few hundred bytes at most).
  """

  alias Muster.Proxy

  @client_name :muster
  @response_limit 1_048_576
  @poll_interval 25

  @typedoc "Why a request got no answer."
  @type reason :: {:network, term} | {:tls, String.t()} | :response_too_large

  @typedoc "An answer: its status, its headers as `:httpc` gives them (lower-case names) and its body."
  @type response :: {status :: pos_integer, headers :: [{charlist, charlist}], body :: binary}

  @typedoc """
  `proxy` (from `Muster.Proxy.for_endpoint/2`, `nil` to connect directly), and `connect_timeout` and
  `request_timeout` in milliseconds.
  """
  @type option ::
          {:proxy, Proxy.t() | nil}
          | {:connect_timeout, pos_integer}
          | {:request_timeout, pos_integer}

  @doc """
  Sends `body` of type `content_type` to `url` with `headers`, and returns the answer whatever its
  status; `:httpc` adds `content-length`. Only the caller's headers are sent, so that a request to a
  presigned URL carries exactly the headers it was signed for.
  """
  @spec request(:post | :put, String.t(), [{String.t(), String.t()}], {String.t(), binary}, [option]) ::
          {:ok, response} | {:error, reason}
  def request(method, url, headers, {content_type, body}, options) when is_binary(body) do
    with {:ok, ssl} <- ssl_options(url) do
      request =
        {String.to_charlist(url), for({name, value} <- headers, do: {to_charlist(name), to_charlist(value)}),
         String.to_charlist(content_type), body}

      with_client(options[:proxy], fn client -> send_request(client, method, request, ssl, options) end)
    end
  end

  @doc "The `user-agent` header's value: `muster-agent/<version>`."
  @spec user_agent() :: String.t()
  def user_agent do
    case Application.spec(:muster, :vsn) do
      nil -> "muster-agent/unknown"
      vsn -> "muster-agent/#{vsn}"
    end
  end

  @doc "A sentence for the log that says why a request got no answer."
  @spec describe(reason) :: String.t()
  def describe({:network, :timeout}), do: "Muster did not answer in time"
  def describe({:network, :socket_closed_remotely}), do: "the connection closed before Muster answered"
  def describe({:network, {:failed_connect, details}}), do: "could not connect: #{connect_error(details)}"
  def describe({:network, reason}), do: "the request failed: #{inspect(reason)}"
  def describe({:tls, problem}), do: problem
  def describe(:response_too_large), do: "the answer was too large and was dropped"

  defp connect_error(details) do
    Enum.find_value(details, inspect(details), fn
      {family, _options, reason} when family in [:inet, :inet6] -> inspect(reason)
      _ -> nil
    end)
  end

  @doc "The wait in milliseconds that a `Retry-After` header asks for, or `nil` without a valid one."
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

  defp send_request(client, method, request, ssl, options) do
    connect_timeout = Keyword.fetch!(options, :connect_timeout)
    request_timeout = Keyword.fetch!(options, :request_timeout)

    http_options =
      [timeout: request_timeout, connect_timeout: connect_timeout, autoredirect: false, ssl: ssl] ++
        proxy_auth(options[:proxy])

    deadline = System.monotonic_time(:millisecond) + connect_timeout + request_timeout + 1_000

    case :httpc.request(method, request, http_options, [sync: false, body_format: :binary], client) do
      {:ok, ref} -> await(client, ref, deadline)
      {:error, reason} -> {:error, {:network, reason}}
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

  defp proxy_auth(%Proxy{auth: {user, password}}),
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

  defp set_proxy(client, %Proxy{host: host, port: port}) do
    address = {{String.to_charlist(host), port}, []}

    # Muster.Proxy chose the proxy for the URL's scheme; httpc takes it for either.
    case :httpc.set_options([proxy: address, https_proxy: address], client) do
      :ok -> :ok
      {:error, reason} -> {:error, {:network, reason}}
    end
  end

  # The client is linked to this process and stops with :shutdown, which would take this process
  # along; and the next request's client may only start once this one is gone.
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
      {:http, {^ref, {{_version, status, _phrase}, headers, body}}} -> {:ok, {status, headers, body}}
      {:http, {^ref, {:error, reason}}} -> {:error, {:network, reason}}
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
end
