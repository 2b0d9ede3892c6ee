defmodule Muster.Collector do
  @moduledoc """
  Builds the heartbeat from what this VM really runs, in the shape of the API's contract.

  It reports every loaded application with its version (`deps`), the started applications, the
  Elixir version, the full OTP release, the ERTS version, the release's name and version, the host
  name, the node name (as the `node` tag), an instance id, and the classification: the configured
  one, else the URLs of the app's Phoenix endpoints (see `Muster.Phoenix`).

  Whatever does not fit the contract is left out rather than sent, so that one odd application
  never gets the whole heartbeat refused: an application whose name is not a plain OTP name or
  whose version the API would not read is skipped, a version that cannot be found is omitted.

  The OTP release comes from `OTP_VERSION` under `:code.root_dir()/releases/<major>/`, as an OTP
  installation has it. A Mix release has no such file unless `Muster.Release` copies it in; without
  it the OTP release is left out rather than guessed from the major version.

  The last heartbeat of an instance that shuts down says `"stopping": true` and lists no started
  applications: only the application controller knows them, and while applications stop it is
  busy stopping them, so asking it would block the goodbye (Muster keeps the inventory it already
  has for a known instance that stops). Nothing else in the heartbeat comes from the controller:
  loaded applications, their versions and environments are read from its table directly.
  """

  alias Muster.Config

  @max_deps 5000
  @max_urls 50
  @instance_key {__MODULE__, :instance_suffix}

  @doc """
  The heartbeat for `config`, as a map ready to encode. With `stopping: true` it is the instance's
  last: it carries `"stopping" => true` and no `started_apps`, and never calls the application
  controller.
  """
  @spec collect(Config.t(), [{:stopping, boolean}]) :: map
  def collect(%Config{} = config, options \\ []) do
    stopping = Keyword.get(options, :stopping, false)
    loaded = Application.loaded_applications()
    urls = config.urls || Muster.Phoenix.urls(loaded)
    host = hostname()

    %{
      "app" => config.app,
      "environment" => config.environment,
      "instance" => instance(config.app, host),
      "sent_at" => DateTime.utc_now() |> DateTime.truncate(:millisecond) |> DateTime.to_iso8601(),
      "deps" => deps(loaded),
      "runtime" => runtime(),
      "tags" => %{"node" => node() |> Atom.to_string() |> printable(256)}
    }
    |> put("started_apps", unless(stopping, do: started_apps()))
    |> put("release", release())
    |> put("host", host)
    |> put("urls", if(urls == [], do: nil, else: Enum.take(urls, @max_urls)))
    |> put("internet_facing", internet_facing(config.internet_facing, urls))
    |> put("handles_pii", config.handles_pii)
    |> put("stopping", if(stopping, do: true))
  end

  @doc """
  The full OTP release this VM runs, such as `"25.2.3"`, from its `OTP_VERSION` file; `nil` when
  the file is missing.
  """
  @spec otp_release() :: String.t() | nil
  def otp_release do
    major = List.to_string(:erlang.system_info(:otp_release))

    [List.to_string(:code.root_dir()), "releases", major, "OTP_VERSION"]
    |> Path.join()
    |> File.read()
    |> case do
      # Some builds mark a patched tree by appending " **" to the release.
      {:ok, content} -> content |> String.split() |> List.first() |> version()
      {:error, _} -> nil
    end
  end

  @doc "Whether `version` fits the API's rule for versions."
  @spec version?(term) :: boolean
  def version?(version) when is_binary(version),
    do: version =~ ~r/^[0-9A-Za-z][0-9A-Za-z.+_~-]{0,63}$/ and not (version =~ ~r/\d{15,}/)

  def version?(_), do: false

  @doc """
  This VM's instance id: the app, the host and a random suffix drawn once per VM, so that it stays
  the same across the agent's restarts and differs between two VMs on one host.
  """
  @spec instance(String.t(), String.t() | nil) :: String.t()
  def instance(app, host) do
    printable("#{app}@#{host || "unknown"}##{instance_suffix()}", 200)
  end

  defp instance_suffix do
    case :persistent_term.get(@instance_key, nil) do
      nil ->
        suffix = 5 |> :crypto.strong_rand_bytes() |> Base.encode32(case: :lower, padding: false)
        :persistent_term.put(@instance_key, suffix)
        suffix

      suffix ->
        suffix
    end
  end

  defp deps(loaded) do
    loaded
    |> Enum.flat_map(fn {name, _description, vsn} ->
      name = Atom.to_string(name)
      version = to_string(vsn)

      if application_name?(name) and version?(version),
        do: [%{"name" => name, "version" => version}],
        else: []
    end)
    |> Enum.sort_by(& &1["name"])
    |> Enum.take(@max_deps)
  end

  defp started_apps do
    Application.started_applications()
    |> Enum.map(fn {name, _description, _vsn} -> Atom.to_string(name) end)
    |> Enum.filter(&application_name?/1)
    |> Enum.sort()
    |> Enum.take(@max_deps)
  catch
    # The application controller may be slow to answer while another application boots; the
    # heartbeat goes without this list rather than not at all.
    :exit, _ -> nil
  end

  defp runtime do
    %{}
    |> put("elixir", version(System.version()))
    |> put("otp", otp_release())
    |> put("erts", version(List.to_string(:erlang.system_info(:version))))
  end

  defp release do
    name = System.get_env("RELEASE_NAME")
    vsn = System.get_env("RELEASE_VSN")

    if is_binary(name) and name != "" and version?(vsn),
      do: %{"name" => printable(name, 100), "version" => vsn}
  end

  defp hostname do
    case :inet.gethostname() do
      {:ok, [_ | _] = name} -> printable(List.to_string(name), 255)
      _ -> nil
    end
  end

  defp internet_facing(configured, _urls) when is_boolean(configured), do: configured
  defp internet_facing(nil, []), do: nil
  defp internet_facing(nil, urls), do: Enum.any?(urls, &Muster.Phoenix.public?/1)

  defp application_name?(name), do: name =~ ~r/^[a-z][a-z0-9_]{0,99}$/

  defp version(value), do: if(version?(value), do: value)

  # The API takes printable text; host and node names are ASCII, and anything else in them is
  # replaced rather than risked.
  defp printable(text, max) do
    ascii = String.replace(text, ~r/[^\x20-\x7e]/, "_")
    binary_part(ascii, 0, min(byte_size(ascii), max))
  end

  defp put(map, _key, nil), do: map
  defp put(map, key, value), do: Map.put(map, key, value)
end
