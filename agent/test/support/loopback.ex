defmodule Muster.Test.Loopback do
  @moduledoc """
  An HTTP server on 127.0.0.1 for the agent's tests, or HTTPS with `tls: ssl_options`. Each
  connection gets the next behaviour of a list (the last one repeats), and the test process
  receives `{:loopback, request}` for every request read, with `:method`, `:target`, `:headers`
  (lower-case names) and `:body`; a TLS handshake that fails sends `{:loopback_tls_failed, reason}`.

  `behaviours` may also be a function of the server's port, for answers that name the server's own
  URL. Behaviours: `{:respond, status, headers, body}`, `:hang` (read the request, never answer),
  `:close` (read the request, close the connection) and `:endless_body` (answer 500 and stream a
  body that never ends, until the client goes; then the test receives `{:loopback_streamed, bytes}`).
  """

  use Task

  @doc "Starts the server under the test's supervisor and returns its port."
  def start(behaviours, options \\ []) do
    {transport, listen} = listen(options[:tls])
    {:ok, {_, port}} = if transport == :ssl, do: :ssl.sockname(listen), else: :inet.sockname(listen)
    behaviours = if is_function(behaviours, 1), do: behaviours.(port), else: behaviours

    server =
      ExUnit.Callbacks.start_supervised!({__MODULE__, {transport, listen, behaviours, self()}}, id: make_ref())

    :ok = transport.controlling_process(listen, server)
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

  defp listen(nil) do
    {:ok, listen} = :gen_tcp.listen(0, [:binary, active: false, reuseaddr: true, ip: {127, 0, 0, 1}])
    {:gen_tcp, listen}
  end

  # TLS listens on every interface: the test certificate names this host, which may resolve to
  # an address other than 127.0.0.1.
  defp listen(tls) do
    {:ok, listen} = :ssl.listen(0, [:binary, active: false, reuseaddr: true] ++ tls)
    {:ssl, listen}
  end

  def start_link({transport, listen, behaviours, test}) do
    Task.start_link(fn ->
      receive do
        :go -> accept(transport, listen, behaviours, test)
      end
    end)
  end

  defp accept(transport, listen, behaviours, test) do
    {:ok, socket} = if transport == :ssl, do: :ssl.transport_accept(listen), else: :gen_tcp.accept(listen)
    [behaviour | rest] = behaviours
    handler = spawn_link(fn -> receive(do: (:go -> serve(transport, socket, behaviour, test))) end)
    :ok = transport.controlling_process(socket, handler)
    send(handler, :go)
    accept(transport, listen, if(rest == [], do: behaviours, else: rest), test)
  end

  defp serve(:ssl, socket, behaviour, test) do
    case :ssl.handshake(socket, 5_000) do
      {:ok, socket} -> handle(:ssl, socket, behaviour, test)
      {:error, reason} -> send(test, {:loopback_tls_failed, reason})
    end
  end

  defp serve(:gen_tcp, socket, behaviour, test), do: handle(:gen_tcp, socket, behaviour, test)

  defp handle(io, socket, behaviour, test) do
    case read_request(io, socket) do
      {:ok, request} ->
        send(test, {:loopback, request})
        behave(io, socket, behaviour, test)

      # Not HTTP, such as a TLS handshake.
      :error ->
        io.close(socket)
    end
  end

  defp behave(io, socket, behaviour, test) do
    case behaviour do
      {:respond, status, headers, body} ->
        head =
          Enum.map_join(
            [{"content-length", byte_size(body)} | headers],
            &"#{elem(&1, 0)}: #{elem(&1, 1)}\r\n"
          )

        io.send(socket, "HTTP/1.1 #{status} Status\r\n#{head}connection: close\r\n\r\n#{body}")
        io.close(socket)

      :hang ->
        Process.sleep(:infinity)

      :close ->
        io.close(socket)

      :endless_body ->
        io.send(socket, "HTTP/1.1 500 Status\r\ncontent-length: 1000000000000\r\n\r\n")
        send(test, {:loopback_streamed, stream(io, socket, :binary.copy("x", 65_536), 0)})
    end
  end

  defp stream(io, socket, chunk, sent) do
    case io.send(socket, chunk) do
      :ok -> stream(io, socket, chunk, sent + byte_size(chunk))
      {:error, _} -> sent
    end
  end

  defp read_request(io, socket) do
    :ok = setopts(io, socket, packet: :http_bin)

    case io.recv(socket, 0, 5_000) do
      {:ok, {:http_request, method, target, _version}} -> {:ok, read_rest(io, socket, method, target)}
      _ -> :error
    end
  end

  defp read_rest(io, socket, method, target) do
    headers = read_headers(io, socket, %{})
    :ok = setopts(io, socket, packet: :raw)

    body =
      case String.to_integer(Map.get(headers, "content-length", "0")) do
        0 -> ""
        length -> elem(io.recv(socket, length, 5_000), 1)
      end

    %{method: method, target: target(target), headers: headers, body: body}
  end

  defp setopts(:gen_tcp, socket, options), do: :inet.setopts(socket, options)
  defp setopts(:ssl, socket, options), do: :ssl.setopts(socket, options)

  defp read_headers(io, socket, headers) do
    case io.recv(socket, 0, 5_000) do
      {:ok, {:http_header, _, name, _, value}} ->
        read_headers(io, socket, Map.put(headers, name |> to_string() |> String.downcase(), value))

      {:ok, :http_eoh} ->
        headers
    end
  end

  defp target({:abs_path, path}), do: path
  defp target({:absoluteURI, scheme, host, :undefined, path}), do: "#{scheme}://#{host}#{path}"
  defp target({:absoluteURI, scheme, host, port, path}), do: "#{scheme}://#{host}:#{port}#{path}"
end
