defmodule Muster.Phoenix do
  @moduledoc """
  The URLs of the app's Phoenix endpoints, read from their configuration, and whether any of them
  is reachable from the internet. They are the defaults for the `urls` and `internet_facing`
  settings.

  An endpoint is a module that Phoenix compiled as one (it exports `__sockets__/0`) and that some
  application configures, as in:

      config :my_app, MyAppWeb.Endpoint,
        url: [host: "shop.example.com", scheme: "https", port: 443],
        http: [port: 4000]

  Its URL is built as Phoenix builds it: the scheme and port from `:url`, else from `:https` or
  `:http`, and the host from `:url`, else `localhost`. Endpoints are only looked for when the
  `:phoenix` application is loaded, and their functions are never called, so an endpoint that is
  not running yet is read all the same.
  """

  @doc "The URL of each configured Phoenix endpoint, given the loaded applications."
  @spec urls([{atom, charlist, charlist}]) :: [String.t()]
  def urls(loaded_applications) do
    if List.keymember?(loaded_applications, :phoenix, 0) do
      loaded_applications
      |> Enum.flat_map(fn {app, _description, _vsn} -> Application.get_all_env(app) end)
      |> Enum.flat_map(&endpoint_url/1)
      |> Enum.uniq()
    else
      []
    end
  end

  @doc """
  Whether the URL's host can be reached from the internet: not `localhost`, not a single-label
  name, not a `.local`, `.internal` or `.localhost` name, and not a loopback, private or
  link-local address.
  """
  @spec public?(String.t()) :: boolean
  def public?(url) do
    case URI.parse(url) do
      %URI{host: host} when is_binary(host) and host != "" -> public_host?(String.downcase(host))
      _ -> false
    end
  end

  defp endpoint_url({module, config}) when is_atom(module) and is_list(config) do
    if elixir_module?(module) and Keyword.keyword?(config) and endpoint?(module),
      do: List.wrap(build_url(config)),
      else: []
  end

  defp endpoint_url(_), do: []

  defp elixir_module?(atom), do: match?("Elixir." <> _, Atom.to_string(atom))

  defp endpoint?(module), do: Code.ensure_loaded?(module) and function_exported?(module, :__sockets__, 0)

  defp build_url(config) do
    url = keyword(config[:url])
    https = keyword(config[:https])
    http = keyword(config[:http])

    {scheme, port} =
      cond do
        https != [] -> {"https", https[:port] || 443}
        http != [] -> {"http", http[:port] || 80}
        true -> {"http", 80}
      end

    scheme = url[:scheme] || scheme
    host = url[:host] || "localhost"
    path = url[:path] || "/"

    with true <- scheme in ["http", "https"] and is_binary(host) and is_binary(path),
         {:ok, port} <- port(url[:port] || port, scheme) do
      to_string(%URI{scheme: scheme, host: host, port: port, path: if(path == "/", do: nil, else: path)})
    else
      _ -> nil
    end
  end

  defp keyword(value) when is_list(value), do: if(Keyword.keyword?(value), do: value, else: [])
  defp keyword(_), do: []

  defp port(port, _scheme) when is_integer(port) and port in 1..65_535, do: {:ok, port}

  defp port(port, scheme) when is_binary(port) do
    case Integer.parse(port) do
      {number, ""} -> port(number, scheme)
      _ -> port(nil, scheme)
    end
  end

  # A port left to the environment at runtime ({:system, "PORT"}) is not known here; the
  # scheme's own port is the honest guess for a URL.
  defp port(_, scheme), do: {:ok, URI.default_port(scheme)}

  defp public_host?(host) do
    case :inet.parse_address(String.to_charlist(host)) do
      {:ok, address} -> not private_address?(address)
      {:error, _} -> public_name?(host)
    end
  end

  defp public_name?(host) do
    host != "localhost" and String.contains?(host, ".") and
      not String.ends_with?(host, [".localhost", ".local", ".internal", ".lan", ".home.arpa"])
  end

  defp private_address?({10, _, _, _}), do: true
  defp private_address?({127, _, _, _}), do: true
  defp private_address?({0, _, _, _}), do: true
  defp private_address?({169, 254, _, _}), do: true
  defp private_address?({172, second, _, _}) when second in 16..31, do: true
  defp private_address?({192, 168, _, _}), do: true
  defp private_address?({100, second, _, _}) when second in 64..127, do: true
  defp private_address?({0, 0, 0, 0, 0, 0, 0, 1}), do: true
  defp private_address?({0, 0, 0, 0, 0, 0, 0, 0}), do: true
  defp private_address?({first, _, _, _, _, _, _, _}) when first in 0xFC00..0xFDFF, do: true
  defp private_address?({first, _, _, _, _, _, _, _}) when first in 0xFE80..0xFEBF, do: true
  defp private_address?(_), do: false
end
