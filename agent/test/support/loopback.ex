defmodule Muster.Test.Loopback do
  @moduledoc """
  An HTTP server on 127.0.0.1 for the agent's tests. Each connection gets the next behaviour of a
  list (the last one repeats), and the test process receives `{:loopback, request}` for every
  request read, with `:method`, `:target`, `:headers` (lower-case names) and `:body`.

  Behaviours: `{:respond, status, headers, body}`, `:hang` (read the request, never answer),
  `:close` (read the request, close the connection) and `:endless_body` (answer 500 and stream a
  body that never ends, until the client goes; then the test receives `{:loopback_streamed, bytes}`).
  """

  use Task

  @doc "Starts the server under the test's supervisor and returns its port."
  def start(behaviours) do
    {:ok, listen} = :gen_tcp.listen(0, [:binary, active: false, reuseaddr: true, ip: {127, 0, 0, 1}])
    {:ok, port} = :inet.port(listen)
    server = ExUnit.Callbacks.start_supervised!({__MODULE__, {listen, behaviours, self()}}, id: make_ref())
    :ok = :gen_tcp.controlling_process(listen, server)
    send(server, :go)
    port
  end

  @doc "A port on 127.0.0.1 where nothing listens."
  def closed_port do
    {:ok, listen} = :gen_tcp.listen(0, ip: {127, 0, 0, 1})
    {:ok, port} = :inet.port(listen)
    :gen_tcp.close(listen)
    port
  end

  def start_link({listen, behaviours, test}) do
    Task.start_link(fn ->
      receive do
        :go -> accept(listen, behaviours, test)
      end
    end)
  end

  defp accept(listen, behaviours, test) do
    {:ok, socket} = :gen_tcp.accept(listen)
    [behaviour | rest] = behaviours
    handler = spawn_link(fn -> receive(do: (:go -> serve(socket, behaviour, test))) end)
    :ok = :gen_tcp.controlling_process(socket, handler)
    send(handler, :go)
    accept(listen, if(rest == [], do: behaviours, else: rest), test)
  end

  defp serve(socket, behaviour, test) do
    case read_request(socket) do
      {:ok, request} ->
        send(test, {:loopback, request})
        behave(socket, behaviour, test)

      # Not HTTP, such as a TLS handshake.
      :error ->
        :gen_tcp.close(socket)
    end
  end

  defp behave(socket, behaviour, test) do
    case behaviour do
      {:respond, status, headers, body} ->
        head =
          Enum.map_join(
            [{"content-length", byte_size(body)} | headers],
            &"#{elem(&1, 0)}: #{elem(&1, 1)}\r\n"
          )

        :gen_tcp.send(socket, "HTTP/1.1 #{status} Status\r\n#{head}connection: close\r\n\r\n#{body}")
        :gen_tcp.close(socket)

      :hang ->
        Process.sleep(:infinity)

      :close ->
        :gen_tcp.close(socket)

      :endless_body ->
        :gen_tcp.send(socket, "HTTP/1.1 500 Status\r\ncontent-length: 1000000000000\r\n\r\n")
        send(test, {:loopback_streamed, stream(socket, :binary.copy("x", 65_536), 0)})
    end
  end

  defp stream(socket, chunk, sent) do
    case :gen_tcp.send(socket, chunk) do
      :ok -> stream(socket, chunk, sent + byte_size(chunk))
      {:error, _} -> sent
    end
  end

  defp read_request(socket) do
    :ok = :inet.setopts(socket, packet: :http_bin)

    case :gen_tcp.recv(socket, 0, 5_000) do
      {:ok, {:http_request, method, target, _version}} -> {:ok, read_rest(socket, method, target)}
      _ -> :error
    end
  end

  defp read_rest(socket, method, target) do
    headers = read_headers(socket, %{})
    :ok = :inet.setopts(socket, packet: :raw)

    body =
      case String.to_integer(Map.get(headers, "content-length", "0")) do
        0 -> ""
        length -> elem(:gen_tcp.recv(socket, length, 5_000), 1)
      end

    %{method: method, target: target(target), headers: headers, body: body}
  end

  defp read_headers(socket, headers) do
    case :gen_tcp.recv(socket, 0, 5_000) do
      {:ok, {:http_header, _, name, _, value}} ->
        read_headers(socket, Map.put(headers, name |> to_string() |> String.downcase(), value))

      {:ok, :http_eoh} ->
        headers
    end
  end

  defp target({:abs_path, path}), do: path
  defp target({:absoluteURI, scheme, host, :undefined, path}), do: "#{scheme}://#{host}#{path}"
  defp target({:absoluteURI, scheme, host, port, path}), do: "#{scheme}://#{host}:#{port}#{path}"
end
