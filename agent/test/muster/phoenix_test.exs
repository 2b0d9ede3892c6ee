defmodule Muster.PhoenixTest do
  use ExUnit.Case, async: false

  alias Muster.Test.{AdminWeb, FakeApps, Shop, ShopWeb}

  defp urls_for(endpoint_config) do
    FakeApps.load(:phoenix, "1.7.14")
    FakeApps.load(:muster_shop, "0.1.0", [{ShopWeb.Endpoint, endpoint_config}])
    Muster.Phoenix.urls(Application.loaded_applications())
  end

  test "builds each endpoint's URL as Phoenix does" do
    assert urls_for(url: [host: "shop.example.com", scheme: "https", port: 443], http: [port: 4000]) ==
             ["https://shop.example.com"]
  end

  test "takes the port and scheme of :http or :https when :url has none" do
    assert urls_for(url: [host: "admin.example.com"], http: [port: 4000]) == ["http://admin.example.com:4000"]
  end

  test "defaults the host to localhost" do
    assert urls_for(https: [port: 4443]) == ["https://localhost:4443"]
  end

  test "keeps a path and reads a port given as a string" do
    assert urls_for(url: [host: "x.example.com", path: "/app", port: "8443"], https: [port: 1]) == [
             "https://x.example.com:8443/app"
           ]
  end

  test "falls back to the scheme's port when the port is only known at run time" do
    assert urls_for(url: [host: "shop.example.com"], http: [port: {:system, "PORT"}]) == [
             "http://shop.example.com"
           ]
  end

  test "skips an endpoint whose host is only known at run time" do
    assert urls_for(url: [host: {:system, "HOST"}]) == []
  end

  test "reads every endpoint of every application, and only endpoints" do
    FakeApps.load(:phoenix, "1.7.14")

    FakeApps.load(:muster_shop, "0.1.0", [
      {ShopWeb.Endpoint, url: [host: "shop.example.com", scheme: "https", port: 443]},
      {Shop.Repo, url: "ecto://db.internal/shop"},
      {:ecto_repos, [Shop.Repo]}
    ])

    FakeApps.load(:muster_admin, "0.1.0", [
      {AdminWeb.Endpoint, url: [host: "admin.internal"], http: [port: 4001]}
    ])

    assert Enum.sort(Muster.Phoenix.urls(Application.loaded_applications())) ==
             ["http://admin.internal:4001", "https://shop.example.com"]
  end

  test "finds nothing when Phoenix is not loaded" do
    FakeApps.load(:muster_shop, "0.1.0", [{ShopWeb.Endpoint, url: [host: "shop.example.com"]}])
    assert Muster.Phoenix.urls(Application.loaded_applications()) == []
  end

  test "tells public hosts from local and private ones" do
    for url <- ~w(https://shop.example.com http://8.8.8.8:4000 http://[2001:db8::1]/ https://SHOP.Example.COM) do
      assert Muster.Phoenix.public?(url), url
    end

    for url <-
          ~w(http://localhost:4000 http://web http://app.internal http://app.local http://a.localhost http://10.1.2.3
             http://172.20.0.5 http://192.168.1.2 http://127.0.0.1 http://169.254.1.1 http://[::1]:4000 http://[fd00::1]
             http://[fe80::1] not-a-url) do
      refute Muster.Phoenix.public?(url), url
    end
  end
end
