defmodule Muster.Proxy do
  @moduledoc """
  The proxy between the agent and Muster, read from the environment as curl reads it.

  `HTTPS_PROXY` serves an `https` endpoint and `HTTP_PROXY` an `http` one (the lower-case names
  win over the upper-case ones), unless `NO_PROXY` names the endpoint's host. `NO_PROXY` is a list
  of host names separated by commas: an entry matches the host itself and its subdomains (a leading
  `.` or `*.` changes nothing, a `:port` suffix is ignored), and `*` matches every host.

  A proxy is reached over plain HTTP (`http://proxy.internal:3128`, the scheme may be left out);
  an `https` endpoint is then tunnelled through it with `CONNECT`. Credentials in the proxy URL
  (`http://user:secret@proxy.internal:3128`) are sent to the proxy.
  """

  @derive {Inspect, except: [:auth]}
  @enforce_keys [:host, :port]
  defstruct [:host, :port, :auth]

  @type t :: %__MODULE__{
          host: String.t(),
          port: :inet.port_number(),
          auth: {String.t(), String.t()} | nil
        }

  @doc """
  The proxy for requests to `endpoint`, given the OS environment: `{:ok, nil}` to connect
  directly, `{:ok, proxy}`, or `{:error, problem}` when the variable in use is not a proxy URL.
  """
  @spec for_endpoint(String.t(), %{optional(String.t()) => String.t()}) ::
          {:ok, t | nil} | {:error, String.t()}
  def for_endpoint(endpoint, os_env) do
    %URI{scheme: scheme, host: host} = URI.parse(endpoint)
    names = if scheme == "https", do: ~w(https_proxy HTTPS_PROXY), else: ~w(http_proxy HTTP_PROXY)

    case Enum.find_value(names, &variable(os_env, &1)) do
      nil -> {:ok, nil}
      {name, value} -> if excluded?(host, os_env), do: {:ok, nil}, else: parse(name, value)
    end
  end

  defp variable(os_env, name) do
    case os_env[name] do
      nil -> nil
      value -> if String.trim(value) == "", do: nil, else: {name, String.trim(value)}
    end
  end

  defp excluded?(host, os_env) do
    host = String.downcase(host)

    os_env
    |> Map.get("no_proxy", Map.get(os_env, "NO_PROXY", ""))
    |> String.split(",", trim: true)
    |> Enum.map(&entry/1)
    |> Enum.any?(&(&1 == "*" or (&1 != "" and (host == &1 or String.ends_with?(host, "." <> &1)))))
  end

  defp entry(entry) do
    entry = entry |> String.trim() |> String.downcase()
    entry = entry |> String.replace_prefix("*.", "") |> String.replace_prefix(".", "")

    # One colon is a port; more are an IPv6 address, kept whole.
    case String.split(entry, ":") do
      [name, _port] -> name
      _ -> entry
    end
  end

  defp parse(name, value) do
    url = if String.contains?(value, "://"), do: value, else: "http://" <> value

    case URI.new(url) do
      {:ok, %URI{scheme: "http", host: host, port: port, userinfo: userinfo}}
      when is_binary(host) and host != "" ->
        {:ok, %__MODULE__{host: host, port: port, auth: auth(userinfo)}}

      _ ->
        {:error, "#{name} must be an http:// proxy URL such as http://proxy.internal:3128"}
    end
  end

  defp auth(nil), do: nil

  defp auth(userinfo) do
    case String.split(userinfo, ":", parts: 2) do
      [user, password] -> {URI.decode(user), URI.decode(password)}
      [user] -> {URI.decode(user), ""}
    end
  end
end
