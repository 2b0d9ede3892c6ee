defmodule Muster.Transport do
  @moduledoc """
  Sends one encoded heartbeat to `POST <endpoint>/v1/heartbeat` with `:httpc`.

  The agent uses an `:httpc` profile of its own, `:muster`, so that its proxy settings never
  change the app's own HTTP requests. HTTPS verifies the server's certificate against the
  operating system's CA store (`:public_key.cacerts_get/0`) and its host name. Connecting and
  answering each have a timeout.

  Memory stays bounded whatever the server does: `:httpc` has no limit of its own on a response,
  so while it waits the agent watches how many bytes the request's connection has received and
  cancels the request once they pass a mebibyte (Muster's answers are a few dozen bytes). Of an
  answer that does arrive, only the first bytes are kept, for the log.
  """

  alias Muster.Config

  @profile :muster
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
    with {:ok, ssl} <- ssl_options(config.endpoint),
         :ok <- ensure_profile(config.proxy) do
      request =
        {String.to_charlist(config.endpoint <> "/v1/heartbeat"),
         [
           {'authorization', String.to_charlist("Bearer " <> config.api_key)},
           {'user-agent', String.to_charlist("muster-agent/#{version()}")},
           # A fresh connection per report: reports are far apart, and the byte count that bounds
           # an answer is then the answer's alone.
           {'connection', 'close'}
         ], 'application/json', body}

      http_options =
        [
          timeout: config.request_timeout,
          connect_timeout: config.connect_timeout,
          autoredirect: false,
          ssl: ssl
        ] ++ proxy_auth(config.proxy)

      deadline = System.monotonic_time(:millisecond) + config.connect_timeout + config.request_timeout + 1_000

      case :httpc.request(:post, request, http_options, [sync: false, body_format: :binary], @profile) do
        {:ok, ref} -> await(ref, @response_limit, deadline)
        {:error, reason} -> {:error, {:network, reason}}
      end
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

  def describe({:crashed, {exception, []}}) when is_exception(exception),
    do: "the report crashed: " <> Exception.format_banner(:error, exception)

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

  # httpc keeps a proxy setting per profile and cannot unset one, so a profile whose proxy is no
  # longer wanted is started afresh.
  defp ensure_profile(proxy) do
    with :ok <- start_profile(),
         {:ok, current} <- :httpc.get_options([:proxy, :https_proxy], @profile),
         :ok <- apply_proxy(proxy, Enum.sort(current)) do
      :ok
    else
      {:error, reason} -> {:error, {:network, reason}}
    end
  end

  defp apply_proxy(proxy, current) do
    wanted = proxy_options(proxy)

    cond do
      current == wanted ->
        :ok

      proxy == nil ->
        :inets.stop(:httpc, @profile)
        start_profile()

      true ->
        :httpc.set_options(wanted, @profile)
    end
  end

  defp start_profile do
    case :inets.start(:httpc, profile: @profile) do
      {:ok, _} -> :ok
      {:error, {:already_started, _}} -> :ok
      {:error, reason} -> {:error, reason}
    end
  end

  # Sorted by key, as apply_proxy/2 compares them with the profile's current options.
  defp proxy_options(nil), do: [https_proxy: {:undefined, []}, proxy: {:undefined, []}]

  defp proxy_options(%Muster.Proxy{host: host, port: port}) do
    address = {{String.to_charlist(host), port}, []}
    # Muster.Proxy chose the proxy for the endpoint's scheme, so both of httpc's options take it.
    [https_proxy: address, proxy: address]
  end

  defp await(ref, limit, deadline) do
    receive do
      {:http, {^ref, result}} -> answer(result)
    after
      @poll_interval ->
        cond do
          System.monotonic_time(:millisecond) > deadline ->
            cancel(ref)
            {:error, {:network, :timeout}}

          received_bytes(ref) > limit ->
            cancel(ref)
            {:error, :response_too_large}

          true ->
            await(ref, limit, deadline)
        end
    end
  end

  # The bytes the connection of this request has received so far, from the statistics of its
  # socket that httpc reports per handler; 0 while they are not known.
  defp received_bytes(ref) do
    handlers =
      try do
        field(:httpc.info(@profile), :handlers) || []
      catch
        :exit, _ -> []
      end

    Enum.find_value(handlers, 0, fn
      {_pid, requests, info} when is_list(requests) ->
        if ref in requests do
          bytes = info |> field(:session) |> field(:socket_info) |> field(:socket_stats) |> field(:recv_oct)
          if is_integer(bytes), do: bytes, else: 0
        end

      _ ->
        nil
    end)
  end

  defp field(list, key) when is_list(list) do
    case List.keyfind(list, key, 0) do
      {^key, value} -> value
      _ -> nil
    end
  end

  defp field(_, _), do: nil

  defp cancel(ref) do
    :httpc.cancel_request(ref, @profile)

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
