defmodule Muster.Transport do
  @moduledoc """
  Sends one encoded heartbeat to `POST <endpoint>/v1/heartbeat`, with the agent's HTTP client
  (`Muster.HTTP`: a client of its own per report, verified TLS, timeouts and a bounded answer), and
  says what Muster's answer means for the next report. Of an answer that refuses the heartbeat,
  only the first bytes are kept, for the log.
  """

  alias Muster.{Config, HTTP}

  @kept_body 512

  @typedoc "Why a heartbeat was not accepted."
  @type reason ::
          {:rate_limited, retry_after_ms :: non_neg_integer | nil}
          | {:rejected, status :: 400..499, body :: String.t()}
          | {:status, status :: pos_integer}
          | HTTP.reason()

  @doc """
  Sends `body`, a JSON heartbeat. `{:ok, status}` means Muster accepted it (a 2xx status).

  A 429 gives `{:error, {:rate_limited, ms}}` with the wait its `Retry-After` asks for (or `nil`),
  any other 4xx `{:error, {:rejected, status, body}}` (sending the same again will not help),
  other statuses `{:error, {:status, status}}`, and connection failures and timeouts
  `{:error, {:network, reason}}`.
  """
  @spec post(Config.t(), binary) :: {:ok, pos_integer} | {:error, reason}
  def post(%Config{} = config, body) when is_binary(body) do
    headers = [{"authorization", "Bearer " <> config.api_key}, {"user-agent", HTTP.user_agent()}]

    options = [
      proxy: config.proxy,
      connect_timeout: config.connect_timeout,
      request_timeout: config.request_timeout
    ]

    url = config.endpoint <> "/v1/heartbeat"

    with {:ok, response} <- HTTP.request(:post, url, headers, {"application/json", body}, options) do
      answer(response)
    end
  end

  @doc "A sentence for the log that says what went wrong."
  @spec describe(reason | {:crashed, term}) :: String.t()
  def describe({:rate_limited, nil}), do: "Muster asked to slow down (429)"
  def describe({:rate_limited, ms}), do: "Muster asked to slow down (429) for #{div(ms + 999, 1000)} s"
  def describe({:rejected, status, ""}), do: "Muster refused the heartbeat (#{status})"
  def describe({:rejected, status, body}), do: "Muster refused the heartbeat (#{status}): #{body}"
  def describe({:status, status}), do: "Muster answered #{status}"

  def describe({:crashed, {error, [{_module, _function, _arity, _location} | _] = stacktrace}}),
    do: "the report crashed: " <> Exception.format_banner(:error, error, stacktrace)

  def describe({:crashed, reason}), do: "the report crashed: #{inspect(reason)}"
  def describe(reason), do: HTTP.describe(reason)

  defp answer({status, _headers, _body}) when status in 200..299, do: {:ok, status}
  defp answer({429, headers, _body}), do: {:error, {:rate_limited, HTTP.retry_after(headers)}}

  defp answer({status, _headers, body}) when status in 400..499,
    do: {:error, {:rejected, status, excerpt(body)}}

  defp answer({status, _headers, _body}), do: {:error, {:status, status}}

  defp excerpt(body) when is_binary(body) do
    kept = :binary.copy(binary_part(body, 0, min(byte_size(body), @kept_body)))
    String.replace(kept, ~r/[^\x20-\x7e]/, "?")
  end
end
