defmodule Muster.ConfigTest do
  use ExUnit.Case, async: true

  alias Muster.{Config, Proxy}

  @host %{mix_env: "prod", mix_app: "shop"}
  @key "mst_ingest_123"
  @base [api_key: @key, endpoint: "https://muster.example.com"]

  defp load(app_env, os_env \\ %{}, host \\ @host), do: Config.load(app_env, os_env, host)

  describe "precedence" do
    test "defaults come from the Mix project, the release and the hour" do
      assert {:ok, config} = load(@base)

      assert %Config{app: "shop", environment: "prod", interval: 3600, urls: nil, internet_facing: nil} =
               config

      assert {:ok, %Config{app: "shop_release"}} = load(@base, %{"RELEASE_NAME" => "shop_release"})
    end

    test "in a release, without Mix, the app is the release and the environment MIX_ENV" do
      no_mix = %{mix_env: nil, mix_app: nil}

      assert {:ok, %Config{app: "shop", environment: "staging"}} =
               load(@base, %{"RELEASE_NAME" => "shop", "MIX_ENV" => "staging"}, no_mix)

      # Without MIX_ENV at run time, the environment the release was built in.
      assert {:ok, %Config{environment: built}} = Config.resolve(@base, %{"RELEASE_NAME" => "shop"}, no_mix)
      assert built == Config.build_environment()

      assert {:error, [problem]} = Config.resolve(@base, %{}, no_mix)
      assert problem =~ "no app name"
    end

    test "the application environment overrides the defaults" do
      app_env =
        @base ++
          [
            app: "billing",
            environment: :staging,
            internet_facing: true,
            handles_pii: false,
            urls: ["https://billing.example.com"],
            interval: 60
          ]

      assert {:ok, config} = load(app_env, %{"RELEASE_NAME" => "other"})

      assert %Config{
               api_key: @key,
               endpoint: "https://muster.example.com",
               app: "billing",
               environment: "staging",
               internet_facing: true,
               handles_pii: false,
               urls: ["https://billing.example.com"],
               interval: 60
             } = config
    end

    test "environment variables override the application environment" do
      app_env =
        @base ++ [app: "billing", environment: "staging", internet_facing: true, urls: ["https://a.example"]]

      os_env = %{
        "MUSTER_API_KEY" => "from_env",
        "MUSTER_ENDPOINT" => "http://127.0.0.1:3000/",
        "MUSTER_APP" => "Billing API",
        "MUSTER_ENVIRONMENT" => "PROD",
        "MUSTER_INTERNET_FACING" => "false",
        "MUSTER_HANDLES_PII" => "yes",
        "MUSTER_URLS" => "https://b.example, https://c.example/shop",
        "MUSTER_INTERVAL" => "30"
      }

      assert {:ok, config} = load(app_env, os_env)

      assert %Config{
               api_key: "from_env",
               endpoint: "http://127.0.0.1:3000",
               app: "billing_api",
               environment: "prod",
               internet_facing: false,
               handles_pii: true,
               urls: ["https://b.example", "https://c.example/shop"],
               interval: 30
             } = config
    end

    test "an empty variable counts as unset" do
      assert {:ok, %Config{app: "billing"}} = load(@base ++ [app: "billing"], %{"MUSTER_APP" => " "})
    end
  end

  describe "whether the agent starts" do
    test "only with an API key" do
      assert {:off, "no API key"} = load([endpoint: "https://muster.example.com"], %{})
      assert {:off, "no API key"} = load([api_key: nil], %{"MUSTER_API_KEY" => ""})
      assert {:ok, %Config{api_key: "k"}} = load([endpoint: "https://m.example"], %{"MUSTER_API_KEY" => "k"})
    end

    test "with nothing else wrong, a key but no endpoint is a problem" do
      assert {:error, [problem]} = load(api_key: @key)
      assert problem =~ "no endpoint"
    end

    test "off under MIX_ENV=test unless enabled explicitly" do
      test_host = %{@host | mix_env: "test"}
      assert {:off, reason} = load(@base, %{}, test_host)
      assert reason =~ "MIX_ENV is test"

      assert {:off, _} = load(@base, %{"MIX_ENV" => "test"}, %{mix_env: nil, mix_app: "shop"})
      assert {:ok, _} = load(@base ++ [enabled: true], %{}, test_host)
      assert {:ok, _} = load(@base, %{"MUSTER_ENABLED" => "true"}, test_host)
      assert {:off, _} = load(@base ++ [enabled: true], %{"MUSTER_ENABLED" => "false"}, test_host)
    end

    test "MUSTER_ENABLED=false turns it off anywhere" do
      assert {:off, "disabled"} = load(@base, %{"MUSTER_ENABLED" => "false"})
      assert {:off, "disabled"} = load(@base ++ [enabled: false])
    end
  end

  describe "an invalid configuration" do
    test "lists every problem, naming where each setting came from" do
      os_env = %{
        "MUSTER_INTERVAL" => "hourly",
        "MUSTER_URLS" => "ftp://files.example",
        "MUSTER_HANDLES_PII" => "maybe"
      }

      app_env = [api_key: @key, endpoint: "muster.example.com", internet_facing: "yes please", colour: :blue]

      assert {:error, problems} = load(app_env, os_env)
      assert length(problems) == 6

      assert Enum.any?(
               problems,
               &(&1 =~ ~s|MUSTER_INTERVAL must be a whole number of seconds, at least 1 (got "hourly")|)
             )

      assert Enum.any?(
               problems,
               &(&1 =~ ~s|MUSTER_URLS must list http or https URLs (got "ftp://files.example")|)
             )

      assert Enum.any?(problems, &(&1 =~ ~s(MUSTER_HANDLES_PII must be true or false)))
      assert Enum.any?(problems, &(&1 =~ ~s(config :muster, internet_facing: must be true or false)))
      assert Enum.any?(problems, &(&1 =~ ~s(config :muster, endpoint: must be an http or https URL)))
      assert Enum.any?(problems, &(&1 =~ "unknown key config :muster, :colour"))
    end

    test "never shows the API key" do
      assert {:error, [problem]} = load(@base, %{"MUSTER_API_KEY" => "secret with spaces"})
      assert problem == "MUSTER_API_KEY must be printable ASCII without spaces"
    end

    test "refuses an interval under a second, and more than 50 URLs" do
      assert {:error, [_]} = load(@base ++ [interval: 0])
      urls = for n <- 1..51, do: "https://#{n}.example.com"
      assert {:error, [problem]} = load(@base ++ [urls: urls])
      assert problem =~ "at most 50"
    end

    test "an invalid MUSTER_ENABLED is a problem when there is a key" do
      assert {:error, [problem]} = load(@base, %{"MUSTER_ENABLED" => "sometimes"})
      assert problem =~ "MUSTER_ENABLED must be true or false"
    end
  end

  test "resolve/3 reads everything without needing a key" do
    assert {:ok, %Config{api_key: nil, endpoint: nil, app: "shop"}} = Config.resolve([], %{}, @host)
  end

  test "normalises names to what the API accepts" do
    assert Config.normalise("  My App (EU)  ") == "my_app__eu_"
    assert Config.normalise("billing-api.v2") == "billing-api.v2"
    assert Config.normalise("Zürich") == "z_rich"
    assert Config.normalise(String.duplicate("a", 100)) == String.duplicate("a", 64)
  end

  test "inspecting a configuration hides the API key" do
    {:ok, config} = load(@base)
    refute inspect(config) =~ @key
  end

  test "host/0 reads the running Mix project" do
    assert Config.host() == %{mix_env: "test", mix_app: "muster"}
  end

  describe "proxy" do
    test "HTTPS_PROXY for an https endpoint, HTTP_PROXY for an http one" do
      os_env = %{
        "HTTPS_PROXY" => "http://user:p%40ss@proxy.internal:3128",
        "HTTP_PROXY" => "plain.internal:8080"
      }

      assert {:ok, %Config{proxy: %Proxy{host: "proxy.internal", port: 3128, auth: {"user", "p@ss"}}}} =
               load(@base, os_env)

      assert {:ok, %Config{proxy: %Proxy{host: "plain.internal", port: 8080, auth: nil}}} =
               load(@base, Map.put(os_env, "MUSTER_ENDPOINT", "http://muster.example.com"))

      assert {:ok, %Config{proxy: nil}} = load(@base, %{"HTTP_PROXY" => "http://plain.internal:8080"})
    end

    test "lower-case variables win" do
      os_env = %{"https_proxy" => "http://lower:1", "HTTPS_PROXY" => "http://upper:2"}
      assert {:ok, %Config{proxy: %Proxy{host: "lower"}}} = load(@base, os_env)
    end

    test "NO_PROXY exempts the endpoint's host and its subdomains" do
      proxy = %{"HTTPS_PROXY" => "http://proxy.internal:3128"}

      for no_proxy <- [
            "example.com",
            ".example.com",
            "*.example.com",
            "other.org, muster.example.com:443",
            "*"
          ] do
        assert {:ok, %Config{proxy: nil}} = load(@base, Map.put(proxy, "NO_PROXY", no_proxy)), no_proxy
      end

      for no_proxy <- ["other.example.com", "xample.com", ""] do
        assert {:ok, %Config{proxy: %Proxy{}}} = load(@base, Map.put(proxy, "no_proxy", no_proxy)), no_proxy
      end
    end

    test "a proxy that is not an http:// URL is a problem" do
      assert {:error, [problem]} = load(@base, %{"HTTPS_PROXY" => "socks5://proxy:1080"})
      assert problem =~ "HTTPS_PROXY must be an http:// proxy URL"
    end

    test "inspecting a proxy hides its credentials" do
      refute inspect(%Proxy{host: "p", port: 1, auth: {"user", "secret"}}) =~ "secret"
    end
  end
end
