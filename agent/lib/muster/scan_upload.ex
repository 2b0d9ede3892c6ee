defmodule Muster.ScanUpload do
  @moduledoc """
  Uploads one code-scan report to Muster, for `mix muster.scan`.

  A report goes inline, in `POST <endpoint>/v1/scans` with its `Muster.ScanContext`, the `tool`
  and the `report`. When that request would be larger than the API takes (a mebibyte), the report
  goes through a claim check instead:

    1. `POST /v1/scans/uploads` with `{"bytes": n}` answers a presigned URL, the headers to send
       with it and an upload id;
    2. the report's bytes, as the tool wrote them, are `PUT` to that URL with exactly those headers
       (the API key is not sent there);
    3. `POST /v1/scans` names the upload (`report_upload`) instead of carrying the `report`.

  Each request is retried up to 3 times, after 1 s, 2 s and 4 s, when it could not connect or got
  no answer, or was answered 429 (then after as long as `Retry-After` asks, up to a minute) or 5xx.
  Any other 4xx would be refused again and is not retried. A `POST /v1/scans` retried after its
  answer was lost uploads the same scan again, which Muster stores in place of the first: it keeps
  one scan per commit and tool.

  Requests go through `Muster.HTTP`: verified TLS, timeouts and a bounded answer. The presigned URL
  must be https unless the endpoint itself is http, as it is against a local Muster.
  """

  alias Muster.{Config, Encoder, HTTP, JSON, Proxy, ScanContext}

  @tools ["sobelow", "mix_audit", "hex_audit"]
  @severities ["critical", "high", "medium", "low"]
  @max_inline_request 1_048_576
  @retries 3
  @retry_base 1_000
  @max_retry_after 60_000
  # A report put to storage may be many megabytes, from a CI runner with a slow uplink.
  @storage_timeout 120_000
  @kept_message 300

  @typedoc """
  A report as `mix muster.scan` read it: `raw` is the tool's output, byte for byte; `value` what
  the API takes as `report` (the decoded JSON of Sobelow and mix_audit, hex.audit's text as is).
  """
  @type report :: %{tool: String.t(), raw: binary, value: term}

  @typedoc "Muster's answer: the scan's id, its number of findings and how many of each severity."
  @type result :: %{
          id: String.t(),
          findings: non_neg_integer,
          counts: %{String.t() => non_neg_integer} | nil
        }

  @typedoc "Which request failed, and why."
  @type reason ::
          {request :: String.t(),
           {:status, pos_integer, message :: String.t() | nil}
           | {:answer, String.t()}
           | {:proxy, String.t()}
           | HTTP.reason()}

  @doc "The severities of findings, most severe first."
  @spec severities() :: [String.t()]
  def severities, do: @severities

  @doc """
  Reads the output of `tool`: JSON for `sobelow` (its JSON or SARIF format) and `mix_audit`, text
  for `hex_audit`.
  """
  @spec report(String.t(), binary) :: {:ok, report} | {:error, String.t()}
  def report("hex_audit", text) do
    if String.valid?(text),
      do: {:ok, %{tool: "hex_audit", raw: text, value: text}},
      else: {:error, "is not UTF-8 text"}
  end

  def report(tool, text) when tool in @tools do
    case JSON.decode(text) do
      {:ok, value} -> {:ok, %{tool: tool, raw: text, value: value}}
      {:error, problem} -> {:error, "is not JSON: #{problem}"}
    end
  end

  @doc """
  Uploads `report` of the commit that `context` describes. `retry_base` (milliseconds, 1 s by
  default) is the first retry's wait; each next one doubles it.
  """
  @spec upload(Config.t(), ScanContext.t(), report, [{:retry_base, pos_integer}]) ::
          {:ok, result} | {:error, reason}
  def upload(%Config{} = config, context, report, options \\ []) do
    retry_base = Keyword.get(options, :retry_base, @retry_base)
    inline = Encoder.encode!(Map.merge(context, %{tool: report.tool, report: report.value}))

    if byte_size(inline) <= @max_inline_request do
      post_scan(config, inline, retry_base)
    else
      with {:ok, upload} <- request_upload(config, byte_size(report.raw), retry_base),
           :ok <- put_report(config, upload, report.raw, retry_base) do
        claim = Encoder.encode!(Map.merge(context, %{tool: report.tool, report_upload: upload.id}))
        post_scan(config, claim, retry_base)
      end
    end
  end

  @doc "How many findings of `result` are at least as severe as `severity`; `nil` without counts."
  @spec at_or_above(result, String.t()) :: non_neg_integer | nil
  def at_or_above(%{counts: nil}, _severity), do: nil

  def at_or_above(%{counts: counts}, severity) when severity in @severities do
    @severities
    |> Enum.take(Enum.find_index(@severities, &(&1 == severity)) + 1)
    |> Enum.map(&Map.get(counts, &1, 0))
    |> Enum.sum()
  end

  @doc "A sentence that says which request failed and why."
  @spec describe(reason) :: String.t()
  def describe({request, {:status, status, nil}}), do: "#{request} failed with #{status}"
  def describe({request, {:status, status, message}}), do: "#{request} failed with #{status}: #{message}"
  def describe({request, {:answer, problem}}), do: "#{request} answered unexpectedly: #{problem}"
  def describe({request, {:proxy, problem}}), do: "#{request} failed: #{problem}"
  def describe({request, reason}), do: "#{request} failed: #{HTTP.describe(reason)}"

  defp post_scan(config, body, retry_base) do
    request = "POST /v1/scans"

    with {:ok, answer} <- post_api(config, "/v1/scans", body, retry_base) do
      case answer do
        %{"id" => id, "findings" => findings} when is_binary(id) and is_integer(findings) and findings >= 0 ->
          {:ok, %{id: id, findings: findings, counts: counts(answer["counts"])}}

        _ ->
          {:error, {request, {:answer, "no scan id and number of findings"}}}
      end
    end
  end

  defp counts(%{} = counts) do
    for severity <- @severities, into: %{} do
      case counts[severity] do
        count when is_integer(count) and count >= 0 -> {severity, count}
        _ -> {severity, 0}
      end
    end
  end

  defp counts(_absent), do: nil

  defp request_upload(config, bytes, retry_base) do
    request = "POST /v1/scans/uploads"

    with {:ok, answer} <- post_api(config, "/v1/scans/uploads", Encoder.encode!(%{bytes: bytes}), retry_base) do
      case answer do
        %{"upload" => id, "url" => url, "method" => method} when is_binary(id) and is_binary(url) ->
          headers = Map.get(answer, "headers", %{})

          cond do
            not is_binary(method) or String.upcase(method) != "PUT" ->
              {:error, {request, {:answer, "asks for method #{inspect(method)}; only PUT is supported"}}}

            not storage_url?(url, config.endpoint) ->
              {:error, {request, {:answer, "the upload URL is not an https URL"}}}

            not (is_map(headers) and Enum.all?(headers, fn {_, value} -> is_binary(value) end)) ->
              {:error, {request, {:answer, "the upload headers are not strings"}}}

            true ->
              {:ok, %{id: id, url: url, headers: headers}}
          end

        _ ->
          {:error, {request, {:answer, "no upload id and URL"}}}
      end
    end
  end

  # Plain http only where Muster itself is reached so, as a local stack is.
  defp storage_url?(url, endpoint) do
    allowed = if String.starts_with?(endpoint, "http:"), do: ["https", "http"], else: ["https"]

    case URI.new(url) do
      {:ok, %URI{scheme: scheme, host: host}} -> scheme in allowed and is_binary(host) and host != ""
      {:error, _} -> false
    end
  end

  defp put_report(config, upload, raw, retry_base) do
    request = "PUT of the report to the upload URL"
    headers = for {name, value} <- upload.headers, do: {String.downcase(name), value}

    # :httpc takes the content type apart from the other headers.
    {content_type, headers} =
      case List.keytake(headers, "content-type", 0) do
        {{_, content_type}, others} -> {content_type, others}
        nil -> {"application/octet-stream", headers}
      end

    with {:ok, proxy} <- storage_proxy(upload.url, request) do
      options = [proxy: proxy, connect_timeout: config.connect_timeout, request_timeout: @storage_timeout]

      case with_retries(
             fn -> HTTP.request(:put, upload.url, headers, {content_type, raw}, options) end,
             retry_base
           ) do
        {:ok, {status, _headers, _body}} when status in 200..299 -> :ok
        {:ok, {status, _headers, body}} -> {:error, {request, {:status, status, error_message(body)}}}
        {:error, reason} -> {:error, {request, reason}}
      end
    end
  end

  defp storage_proxy(url, request) do
    case Proxy.for_endpoint(url, System.get_env()) do
      {:ok, proxy} -> {:ok, proxy}
      {:error, problem} -> {:error, {request, {:proxy, problem}}}
    end
  end

  defp post_api(config, path, body, retry_base) do
    request = "POST " <> path
    headers = [{"authorization", "Bearer " <> config.api_key}, {"user-agent", HTTP.user_agent()}]

    options = [
      proxy: config.proxy,
      connect_timeout: config.connect_timeout,
      request_timeout: config.request_timeout
    ]

    send = fn ->
      HTTP.request(:post, config.endpoint <> path, headers, {"application/json", body}, options)
    end

    case with_retries(send, retry_base) do
      {:ok, {status, _headers, answer}} when status in 200..299 ->
        case JSON.decode(answer) do
          {:ok, %{} = decoded} -> {:ok, decoded}
          _ -> {:error, {request, {:answer, "the answer is not a JSON object"}}}
        end

      {:ok, {status, _headers, answer}} ->
        {:error, {request, {:status, status, error_message(answer)}}}

      {:error, reason} ->
        {:error, {request, reason}}
    end
  end

  defp with_retries(send, retry_base, retries \\ 0) do
    result = send.()
    backoff = retry_base * Integer.pow(2, retries)

    case retries < @retries && retry_wait(result, backoff) do
      wait when is_integer(wait) ->
        Process.sleep(wait)
        with_retries(send, retry_base, retries + 1)

      _ ->
        result
    end
  end

  # A connection that failed, a 429 and a 5xx may pass later; another 4xx would be refused again.
  defp retry_wait({:error, {:network, _}}, backoff), do: backoff

  defp retry_wait({:ok, {429, headers, _body}}, backoff),
    do: max(backoff, min(HTTP.retry_after(headers) || 0, @max_retry_after))

  defp retry_wait({:ok, {status, _headers, _body}}, backoff) when status >= 500, do: backoff
  defp retry_wait(_result, _backoff), do: nil

  # Muster's errors are {"error": {"code", "message", "field"?}}; a gateway's or storage's may be
  # {"message": ...} or XML, of which the start is shown.
  defp error_message(body) do
    case JSON.decode(body) do
      {:ok, %{"error" => %{"message" => message} = error}} when is_binary(message) ->
        with_field(error["field"], message)

      {:ok, %{"message" => message}} when is_binary(message) ->
        message

      _ ->
        excerpt(body)
    end
  end

  defp with_field(field, message) when is_binary(field) and field != "" do
    if String.starts_with?(message, field), do: message, else: "#{field}: #{message}"
  end

  defp with_field(_field, message), do: message

  defp excerpt(body) do
    kept = body |> binary_part(0, min(byte_size(body), @kept_message)) |> String.trim()
    if kept == "", do: nil, else: String.replace(kept, ~r/[^\x20-\x7e]/, "?")
  end
end
