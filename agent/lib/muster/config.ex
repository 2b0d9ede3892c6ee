defmodule Muster.Config do
  @moduledoc """
  The agent's settings, resolved once at boot from three layers, each overriding the one before:

    1. defaults: the app name from the release (`RELEASE_NAME`) or the Mix project, the environment
       from Mix (`MIX_ENV`) or else the one the release was built in, and a report every hour;
    2. the application environment, `config :muster, ...`;
    3. environment variables, so that a deployment can change what the build set.

  | key                | variable                 | value                                            |
  | ------------------ | ------------------------ | ------------------------------------------------ |
  | `:api_key`         | `MUSTER_API_KEY`         | an ingest key; without one the agent stays off   |
  | `:endpoint`        | `MUSTER_ENDPOINT`        | the API's base URL, such as `https://muster.example.com` |
  | `:app`             | `MUSTER_APP`             | the app's name in Muster                         |
  | `:environment`     | `MUSTER_ENVIRONMENT`     | `prod`, `staging`, ...                           |
  | `:internet_facing` | `MUSTER_INTERNET_FACING` | `true` or `false`                                |
  | `:handles_pii`     | `MUSTER_HANDLES_PII`     | `true` or `false`                                |
  | `:urls`            | `MUSTER_URLS`            | a list; in the variable, separated by commas     |
  | `:interval`        | `MUSTER_INTERVAL`        | seconds between reports, default 3600            |
  | `:enabled`         | `MUSTER_ENABLED`         | `false` turns the agent off; `true` turns it on under `MIX_ENV=test` |

  App and environment names are normalised to what the API accepts: lower case, characters other
  than `a-z 0-9 _ - .` replaced by `_`, at most 64 characters.

  The proxy comes from `HTTPS_PROXY` or `HTTP_PROXY` (as the endpoint's scheme asks) and `NO_PROXY`;
  see `Muster.Proxy`.

  The API key never appears when a configuration is inspected, so it stays out of crash reports.
  """

  alias Muster.Proxy

  @derive {Inspect, except: [:api_key]}
  defstruct api_key: nil,
            endpoint: nil,
            app: nil,
            environment: nil,
            internet_facing: nil,
            handles_pii: nil,
            urls: nil,
            interval: 3600,
            proxy: nil,
            first_delay: 5_000,
            retry_base: 5_000,
            connect_timeout: 5_000,
            request_timeout: 15_000

  @typedoc """
  Resolved settings. `interval` is in seconds; `first_delay` (the wait before the first report),
  `retry_base` (the first retry's wait), `connect_timeout` and `request_timeout` are in
  milliseconds and keep their defaults outside tests.
  """
  @type t :: %__MODULE__{
          api_key: String.t() | nil,
          endpoint: String.t() | nil,
          app: String.t(),
          environment: String.t(),
          internet_facing: boolean | nil,
          handles_pii: boolean | nil,
          urls: [String.t()] | nil,
          interval: pos_integer,
          proxy: Proxy.t() | nil,
          first_delay: non_neg_integer,
          retry_base: pos_integer,
          connect_timeout: pos_integer,
          request_timeout: pos_integer
        }

  @typedoc "What the running VM says about the Mix project, when it runs under Mix."
  @type host :: %{mix_env: String.t() | nil, mix_app: String.t() | nil}

  @keys [
    :api_key,
    :endpoint,
    :app,
    :environment,
    :internet_facing,
    :handles_pii,
    :urls,
    :interval,
    :enabled
  ]

  @max_urls 50

  # A dependency is compiled in its own :prod Mix environment whatever the project's, so the
  # build's environment is read from the variable the build ran with.
  @build_env System.get_env("MIX_ENV", "dev")

  @doc """
  Reads the settings of this VM and decides whether the agent runs.

  Returns `{:ok, config}` when it should, `{:off, reason}` when it is off by design (no API key,
  disabled, or a test run), and `{:error, problems}` when the settings are wrong.
  """
  @spec load() :: {:ok, t} | {:off, String.t()} | {:error, [String.t()]}
  def load, do: load(Application.get_all_env(:muster), System.get_env(), host())

  @doc "`load/0` on explicit sources: the application environment, the OS environment and the host."
  @spec load(keyword, %{optional(String.t()) => String.t()}, host) ::
          {:ok, t} | {:off, String.t()} | {:error, [String.t()]}
  def load(app_env, os_env, host) do
    with {:ok, _} <- key_present(app_env, os_env),
         {:ok, enabled} <- parsed(:enabled, app_env, os_env, &boolean/2),
         :on <- gate(enabled, mix_env(os_env, host)) do
      case resolve(app_env, os_env, host) do
        {:ok, %__MODULE__{endpoint: nil}} ->
          {:error, ["no endpoint: set MUSTER_ENDPOINT or config :muster, endpoint: \"https://...\""]}

        resolved ->
          resolved
      end
    else
      {:error, problem} when is_binary(problem) -> {:error, [problem]}
      off -> off
    end
  end

  @doc """
  Resolves and checks every setting without deciding whether the agent runs; the API key and the
  endpoint may be missing. `mix muster.report` uses it.
  """
  @spec resolve() :: {:ok, t} | {:error, [String.t()]}
  def resolve, do: resolve(Application.get_all_env(:muster), System.get_env(), host())

  @doc "`resolve/0` on explicit sources."
  @spec resolve(keyword, %{optional(String.t()) => String.t()}, host) :: {:ok, t} | {:error, [String.t()]}
  def resolve(app_env, os_env, host) do
    results = [
      api_key: parsed(:api_key, app_env, os_env, &api_key/2),
      endpoint: parsed(:endpoint, app_env, os_env, &endpoint/2),
      app: parsed(:app, app_env, os_env, &name/2, default_app(os_env, host)),
      environment: parsed(:environment, app_env, os_env, &name/2, mix_env(os_env, host)),
      internet_facing: parsed(:internet_facing, app_env, os_env, &boolean/2),
      handles_pii: parsed(:handles_pii, app_env, os_env, &boolean/2),
      urls: parsed(:urls, app_env, os_env, &urls/2),
      interval: parsed(:interval, app_env, os_env, &interval/2, 3600),
      # load/3 acts on it; read here too so that a wrong value is reported wherever it is read.
      enabled: parsed(:enabled, app_env, os_env, &boolean/2)
    ]

    problems =
      for({_key, {:error, problem}} <- results, do: problem) ++
        missing(results, :app, "no app name: set MUSTER_APP or config :muster, app: \"my_app\"") ++
        missing(results, :environment, "no environment: set MUSTER_ENVIRONMENT") ++
        unknown_keys(app_env)

    values = for {key, {:ok, value}} <- results, into: %{}, do: {key, value}

    with [] <- problems,
         {:ok, proxy} <- proxy(values.endpoint, os_env) do
      {:ok, struct!(__MODULE__, values |> Map.delete(:enabled) |> Map.put(:proxy, proxy))}
    else
      {:error, problem} -> {:error, [problem]}
      problems -> {:error, problems}
    end
  end

  @doc """
  What this VM says about its Mix project: the Mix environment and the project's OTP app, or `nil`
  for both when Mix is not running (as in a release).
  """
  @spec host() :: host
  def host do
    %{
      mix_env: under_mix(fn -> Atom.to_string(Mix.env()) end),
      mix_app:
        under_mix(fn ->
          app = Mix.Project.config()[:app]
          app && Atom.to_string(app)
        end)
    }
  end

  @doc """
  The Mix environment the agent was compiled in: for a release, the one it was built in. It is the
  default environment when neither Mix nor `MIX_ENV` says otherwise at run time.
  """
  @spec build_environment() :: String.t()
  def build_environment, do: @build_env

  @doc "Normalises an app or environment name to the 1 to 64 characters of `a-z 0-9 _ - .` the API accepts."
  @spec normalise(String.t()) :: String.t()
  def normalise(name) do
    name
    |> String.trim()
    |> String.downcase()
    |> String.replace(~r/[^a-z0-9_.-]/u, "_")
    |> String.slice(0, 64)
  end

  defp under_mix(fun) do
    if Code.ensure_loaded?(Mix.Project) do
      try do
        fun.()
      rescue
        _ -> nil
      catch
        :exit, _ -> nil
      end
    end
  end

  defp mix_env(os_env, host), do: host.mix_env || blank_to_nil(os_env["MIX_ENV"]) || @build_env

  defp default_app(os_env, host), do: blank_to_nil(os_env["RELEASE_NAME"]) || host.mix_app

  defp key_present(app_env, os_env) do
    case setting(:api_key, app_env, os_env) do
      nil -> {:off, "no API key"}
      _ -> {:ok, :present}
    end
  end

  defp gate(false, _), do: {:off, "disabled"}
  defp gate(true, _), do: :on
  defp gate(nil, "test"), do: {:off, "MIX_ENV is test; set MUSTER_ENABLED=true to report from tests"}
  defp gate(nil, _), do: :on

  # The value of a key and where it came from: the variable wins over the application environment.
  defp setting(key, app_env, os_env) do
    variable = variable(key)

    case blank_to_nil(os_env[variable]) do
      nil ->
        case blank_to_nil(Keyword.get(app_env, key)) do
          nil -> nil
          value -> {"config :muster, #{key}:", value}
        end

      value ->
        {variable, value}
    end
  end

  defp parsed(key, app_env, os_env, parser, default \\ nil) do
    case setting(key, app_env, os_env) do
      {source, value} -> parser.(source, value)
      nil when default == nil -> {:ok, nil}
      nil -> default_value(parser.("default", default))
    end
  end

  # Defaults go through the same parser, so they are normalised too; a default that does not fit
  # counts as no default, which the caller reports as a missing setting.
  defp default_value({:ok, value}), do: {:ok, value}
  defp default_value({:error, _}), do: {:ok, nil}

  defp missing(results, key, problem) do
    if results[key] == {:ok, nil}, do: [problem], else: []
  end

  defp unknown_keys(app_env) do
    for {key, _} <- app_env, key not in @keys do
      "unknown key config :muster, #{inspect(key)} (known: #{Enum.map_join(@keys, ", ", &inspect/1)})"
    end
  end

  defp variable(key), do: "MUSTER_" <> String.upcase(Atom.to_string(key))

  defp blank_to_nil(nil), do: nil

  defp blank_to_nil(value) when is_binary(value) do
    if String.trim(value) == "", do: nil, else: value
  end

  defp blank_to_nil(value), do: value

  defp api_key(source, value) when is_binary(value) do
    key = String.trim(value)

    if key =~ ~r/^[\x21-\x7e]+$/,
      do: {:ok, key},
      else: {:error, "#{source} must be printable ASCII without spaces"}
  end

  defp api_key(source, _), do: {:error, "#{source} must be a string"}

  defp endpoint(source, value) when is_binary(value) do
    url = value |> String.trim() |> String.trim_trailing("/")

    case URI.new(url) do
      {:ok, %URI{scheme: scheme, host: host, query: nil, fragment: nil}}
      when scheme in ["http", "https"] and is_binary(host) and host != "" ->
        {:ok, url}

      _ ->
        {:error,
         "#{source} must be an http or https URL such as https://muster.example.com (got #{inspect(value)})"}
    end
  end

  defp endpoint(source, value), do: {:error, "#{source} must be a URL string (got #{inspect(value)})"}

  defp name(source, value) when is_atom(value) and not is_boolean(value),
    do: name(source, Atom.to_string(value))

  defp name(source, value) when is_binary(value) do
    case normalise(value) do
      "" -> {:error, "#{source} must not be empty"}
      normalised -> {:ok, normalised}
    end
  end

  defp name(source, value), do: {:error, "#{source} must be a string (got #{inspect(value)})"}

  defp boolean(_source, value) when is_boolean(value), do: {:ok, value}

  defp boolean(source, value) when is_binary(value) do
    case value |> String.trim() |> String.downcase() do
      truthy when truthy in ["true", "1", "yes", "on"] -> {:ok, true}
      falsy when falsy in ["false", "0", "no", "off"] -> {:ok, false}
      _ -> {:error, "#{source} must be true or false (got #{inspect(value)})"}
    end
  end

  defp boolean(source, value), do: {:error, "#{source} must be true or false (got #{inspect(value)})"}

  defp urls(source, value) when is_binary(value),
    do: urls(source, String.split(value, [",", " ", "\n", "\t"], trim: true))

  defp urls(source, value) when is_list(value) do
    cond do
      length(value) > @max_urls ->
        {:error, "#{source} lists #{length(value)} URLs; at most #{@max_urls} are accepted"}

      bad = Enum.find(value, &(not url?(&1))) ->
        {:error, "#{source} must list http or https URLs (got #{inspect(bad)})"}

      true ->
        {:ok, Enum.uniq(value)}
    end
  end

  defp urls(source, value), do: {:error, "#{source} must be a list of URLs (got #{inspect(value)})"}

  @doc false
  def url?(value) when is_binary(value) and byte_size(value) <= 2048 do
    case URI.new(value) do
      {:ok, %URI{scheme: scheme, host: host}} when scheme in ["http", "https"] ->
        is_binary(host) and host != ""

      _ ->
        false
    end
  end

  def url?(_), do: false

  defp interval(_source, value) when is_integer(value) and value >= 1, do: {:ok, value}

  defp interval(source, value) when is_binary(value) do
    case Integer.parse(String.trim(value)) do
      {seconds, ""} when seconds >= 1 -> {:ok, seconds}
      _ -> bad_interval(source, value)
    end
  end

  defp interval(source, value), do: bad_interval(source, value)

  defp bad_interval(source, value),
    do: {:error, "#{source} must be a whole number of seconds, at least 1 (got #{inspect(value)})"}

  defp proxy(nil, _os_env), do: {:ok, nil}
  defp proxy(endpoint, os_env), do: Proxy.for_endpoint(endpoint, os_env)
end
