defmodule Muster.CollectorTest do
  use ExUnit.Case, async: false

  alias Muster.{Collector, Config}
  alias Muster.Test.{Contract, FakeApps, ShopWeb}

  @config %Config{app: "shop", environment: "prod", api_key: "k", endpoint: "http://127.0.0.1:1"}

  defp version(app), do: app |> Application.spec(:vsn) |> List.to_string()

  defp with_env(variables, fun) do
    saved = for {name, _} <- variables, do: {name, System.get_env(name)}
    Enum.each(variables, fn {name, value} -> System.put_env(name, value) end)

    try do
      fun.()
    after
      Enum.each(saved, fn
        {name, nil} -> System.delete_env(name)
        {name, value} -> System.put_env(name, value)
      end)
    end
  end

  describe "the payload of this running VM" do
    setup do
      %{payload: Collector.collect(@config)}
    end

    test "fits the API's contract", %{payload: payload} do
      assert Contract.problems(payload) == []
      assert payload["app"] == "shop"
      assert payload["environment"] == "prod"
    end

    test "lists every loaded application with its version", %{payload: payload} do
      expected =
        for {name, _, vsn} <- Application.loaded_applications(),
            do: %{"name" => Atom.to_string(name), "version" => List.to_string(vsn)}

      assert Enum.sort_by(expected, & &1["name"]) == payload["deps"]

      for app <- [:kernel, :stdlib, :elixir, :logger, :ssl, :inets, :muster] do
        assert %{"name" => Atom.to_string(app), "version" => version(app)} in payload["deps"]
      end
    end

    test "lists the started applications", %{payload: payload} do
      started = for {name, _, _} <- Application.started_applications(), do: Atom.to_string(name)
      assert payload["started_apps"] == Enum.sort(started)
      assert "muster" in payload["started_apps"]
    end

    test "reports the Elixir version, the full OTP release and the ERTS version", %{payload: payload} do
      major = List.to_string(:erlang.system_info(:otp_release))
      otp_file = Path.join([List.to_string(:code.root_dir()), "releases", major, "OTP_VERSION"])
      otp = otp_file |> File.read!() |> String.split() |> hd()

      assert payload["runtime"] == %{
               "elixir" => System.version(),
               "otp" => otp,
               "erts" => List.to_string(:erlang.system_info(:version))
             }

      assert String.starts_with?(otp, major <> ".")
      assert Collector.otp_release() == otp
    end

    test "names the host and the node, and when it was sent", %{payload: payload} do
      {:ok, host} = :inet.gethostname()
      assert payload["host"] == List.to_string(host)
      assert payload["tags"] == %{"node" => Atom.to_string(node())}
      {:ok, sent_at, 0} = DateTime.from_iso8601(payload["sent_at"])
      assert DateTime.diff(DateTime.utc_now(), sent_at) in 0..5
    end

    test "has an instance id that stays the same for the life of the VM", %{payload: payload} do
      assert payload["instance"] =~ ~r/^shop@#{Regex.escape(payload["host"])}#[a-z2-7]{8}$/
      assert Collector.collect(@config)["instance"] == payload["instance"]
      assert Task.await(Task.async(fn -> Collector.collect(@config)["instance"] end)) == payload["instance"]
    end

    test "sends no classification that nothing set", %{payload: payload} do
      refute Map.has_key?(payload, "urls")
      refute Map.has_key?(payload, "internet_facing")
      refute Map.has_key?(payload, "handles_pii")
      refute Map.has_key?(payload, "release")
    end
  end

  test "reports the release's name and version from a release's environment" do
    with_env(%{"RELEASE_NAME" => "shop", "RELEASE_VSN" => "0.4.2"}, fn ->
      assert Collector.collect(@config)["release"] == %{"name" => "shop", "version" => "0.4.2"}
    end)
  end

  test "sends the configured classification" do
    config = %{@config | internet_facing: false, handles_pii: true, urls: ["https://shop.example.com"]}
    payload = Collector.collect(config)

    assert %{"internet_facing" => false, "handles_pii" => true, "urls" => ["https://shop.example.com"]} =
             payload

    assert Contract.problems(payload) == []
  end

  test "defaults the classification to the Phoenix endpoints' URLs" do
    FakeApps.load(:phoenix, "1.7.14")

    FakeApps.load(:muster_shop, "0.1.0", [
      {ShopWeb.Endpoint, url: [host: "shop.example.com", scheme: "https", port: 443]}
    ])

    payload = Collector.collect(@config)
    assert %{"internet_facing" => true, "urls" => ["https://shop.example.com"]} = payload
    assert %{"name" => "phoenix", "version" => "1.7.14"} in payload["deps"]

    assert %{"internet_facing" => false} = Collector.collect(%{@config | internet_facing: false})

    assert %{"internet_facing" => false, "urls" => ["http://shop.internal"]} =
             Collector.collect(%{@config | urls: ["http://shop.internal"]})
  end

  test "an endpoint reached only from inside is not internet-facing" do
    FakeApps.load(:phoenix, "1.7.14")
    FakeApps.load(:muster_shop, "0.1.0", [{ShopWeb.Endpoint, http: [port: 4000]}])
    assert %{"internet_facing" => false, "urls" => ["http://localhost:4000"]} = Collector.collect(@config)
  end

  test "leaves out the applications the API would not read, not the whole heartbeat" do
    FakeApps.load(:odd_version, "1.0 beta")
    FakeApps.load(:huge_version, "1.123456789012345")
    FakeApps.load(:"Odd-Name", "1.0.0")
    FakeApps.load(:fine, "1.0.0-rc.1+build.5")

    payload = Collector.collect(@config)
    names = Enum.map(payload["deps"], & &1["name"])
    refute "odd_version" in names
    refute "huge_version" in names
    refute "Odd-Name" in names
    assert %{"name" => "fine", "version" => "1.0.0-rc.1+build.5"} in payload["deps"]
    assert Contract.problems(payload) == []
  end

  describe "the last heartbeat of an instance that stops" do
    test "says so, leaves out the started applications and fits the contract" do
      payload = Collector.collect(@config, stopping: true)

      assert payload["stopping"] == true
      refute Map.has_key?(payload, "started_apps")
      assert Contract.problems(payload) == []
      assert payload["instance"] == Collector.collect(@config)["instance"]
      assert payload["sent_at"] =~ ~r/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
      assert payload["deps"] == Collector.collect(@config)["deps"]
      refute Map.has_key?(Collector.collect(@config), "stopping")
      assert {"stopping", :invalid} in Contract.problems(%{payload | "stopping" => "yes"})
    end

    # While applications stop, the application controller answers nobody until they have.
    test "never waits for the application controller" do
      FakeApps.load(:phoenix, "1.7.14")
      FakeApps.load(:muster_shop, "0.1.0", [{ShopWeb.Endpoint, url: [host: "shop.example.com"]}])
      :sys.suspend(:application_controller)

      try do
        task = Task.async(fn -> Collector.collect(@config, stopping: true) end)
        assert {:ok, %{"stopping" => true, "urls" => ["http://shop.example.com"]}} = Task.yield(task, 2_000)
      after
        :sys.resume(:application_controller)
      end
    end
  end

  test "checks versions as the API does" do
    for good <- ~w(1.16.1 5.2.11.6 0.1.0-dev 1.0.0+build.1 v2 1_2~3 12345678901234) do
      assert Collector.version?(good), good
    end

    for bad <- ["", "-1.0", ".1", "1 0", "1.0/2", "123456789012345", String.duplicate("1", 65), nil] do
      refute Collector.version?(bad), inspect(bad)
    end
  end
end
