defmodule Muster.ApplicationTest do
  use ExUnit.Case, async: false

  import ExUnit.CaptureLog

  alias Muster.Test.{AgentEnv, HostApp, Loopback}

  @moduletag :capture_log

  setup do
    AgentEnv.isolate()
    %{host: HostApp.start!()}
  end

  defp started?, do: List.keymember?(Application.started_applications(), :muster, 0)

  defp instance(request), do: Regex.run(~r/"instance":"([^"]+)"/, request.body, capture: :all_but_first)

  defp last_request(last \\ nil) do
    receive do
      {:loopback, request} -> last_request(request)
    after
      0 -> last
    end
  end

  defp warnings(log), do: log |> String.split("\n") |> Enum.filter(&(&1 =~ "[warning]"))

  test "without an API key the agent is off and says nothing above debug", %{host: host} do
    log = capture_log(fn -> AgentEnv.restart([]) end)
    assert started?()
    assert Process.whereis(Muster.Supervisor)
    refute Process.whereis(Muster.Scheduler)
    assert warnings(log) == []
    assert HostApp.running?(host)
  end

  test "with a key, it stays off under MIX_ENV=test unless enabled" do
    log = capture_log(fn -> AgentEnv.restart(api_key: "k", endpoint: "http://127.0.0.1:1") end)
    refute Process.whereis(Muster.Scheduler)
    assert log =~ "Muster agent is off: MIX_ENV is test"
    assert warnings(log) == []

    System.put_env("MUSTER_ENABLED", "true")
    AgentEnv.restart(api_key: "k", endpoint: "http://127.0.0.1:1", interval: 3600)
    assert Process.whereis(Muster.Scheduler)
  end

  test "an invalid configuration logs one clear warning and the app boots", %{host: host} do
    System.put_env("MUSTER_INTERVAL", "often")

    log = capture_log(fn -> AgentEnv.restart(api_key: "k", enabled: true, endpoint: "muster.example.com") end)

    assert [warning] = warnings(log)
    assert warning =~ "Muster agent is off, its configuration is invalid:"
    assert warning =~ ~s|MUSTER_INTERVAL must be a whole number of seconds, at least 1 (got "often")|
    assert warning =~ "config :muster, endpoint: must be an http or https URL"
    assert started?()
    refute Process.whereis(Muster.Scheduler)
    assert HostApp.running?(host)
  end

  test "when the reports cannot start, the app boots all the same", %{host: host} do
    Process.register(self(), Muster.Reporting)

    log = capture_log(fn -> AgentEnv.restart(api_key: "k", enabled: true, endpoint: "http://127.0.0.1:1") end)

    Process.unregister(Muster.Reporting)
    assert [warning] = warnings(log)
    assert warning =~ "Muster agent is off: it could not start"
    assert started?()
    assert HostApp.running?(host)
  end

  test "a running app reports its real inventory", %{host: host} do
    port = Loopback.start([{:respond, 202, [], ~s({"id":"1"})}])

    AgentEnv.restart(
      api_key: "mst_k",
      enabled: true,
      endpoint: "http://127.0.0.1:#{port}",
      app: "Shop",
      environment: "staging",
      interval: 1
    )

    assert_receive {:loopback, request}, 3_000
    assert request.headers["authorization"] == "Bearer mst_k"
    assert request.body =~ ~s("app":"shop")
    assert request.body =~ ~s("environment":"staging")
    assert request.body =~ ~s({"name":"kernel","version":"#{Application.spec(:kernel, :vsn)}"})
    assert request.body =~ ~s({"name":"muster_host","version":"1.0.0"})
    assert request.body =~ ~s("elixir":"#{System.version()}")
    assert HostApp.running?(host)
  end

  test "failures at Muster's end never reach the host", %{host: host} do
    port =
      Loopback.start([
        {:respond, 500, [], "oops"},
        :close,
        {:respond, 429, [{"retry-after", "1"}], ""},
        {:respond, 413, [], ~s({"error":{"code":"payload_too_large"}})}
      ])

    AgentEnv.restart(api_key: "k", enabled: true, endpoint: "http://127.0.0.1:#{port}", interval: 1)

    for _ <- 1..4, do: assert_receive({:loopback, _}, 4_000)
    assert started?()
    assert Process.alive?(Process.whereis(Muster.Scheduler))
    assert HostApp.running?(host)
  end

  test "a server that hangs never holds up the host, nor the agent's own stop", %{host: host} do
    port = Loopback.start([:hang])
    AgentEnv.restart(api_key: "k", enabled: true, endpoint: "http://127.0.0.1:#{port}", interval: 1)

    assert_receive {:loopback, _}, 4_000
    assert HostApp.running?(host)
    assert Agent.update(host, &(&1 + 0)) == :ok

    {microseconds, :ok} = :timer.tc(fn -> Application.stop(:muster) end)
    assert microseconds < 5_000_000
    assert HostApp.running?(host)
  end

  test "stopping the agent tells Muster that the instance stops", %{host: host} do
    port = Loopback.start([{:respond, 202, [], ~s({"id":"1"})}])
    AgentEnv.restart(api_key: "k", enabled: true, endpoint: "http://127.0.0.1:#{port}", interval: 1)
    assert_receive {:loopback, first}, 3_000

    # The application controller is busy stopping :muster meanwhile: a goodbye that asked it
    # anything would wait past its 2 s and never be sent.
    {microseconds, :ok} = :timer.tc(fn -> Application.stop(:muster) end)
    assert microseconds < 2_000_000

    # Another report may have come in between; the goodbye is the last.
    goodbye = last_request()
    assert goodbye.body =~ ~s("stopping":true)
    assert instance(goodbye) == instance(first)
    assert HostApp.running?(host)
  end

  test "a server that is not there never reaches the host", %{host: host} do
    AgentEnv.restart(
      api_key: "k",
      enabled: true,
      endpoint: "http://127.0.0.1:#{Loopback.closed_port()}",
      interval: 1
    )

    scheduler = AgentEnv.whereis!(Muster.Scheduler)
    # Reports fail every second or so; waits of 20 ms, for up to 8 s.
    assert Enum.any?(1..400, fn _ ->
             Process.sleep(20)
             :sys.get_state(scheduler).failures >= 2
           end)

    assert Process.whereis(Muster.Scheduler) == scheduler
    assert HostApp.running?(host)
  end

  test "a reporter that keeps crashing gives up alone, even started as permanent", %{host: host} do
    AgentEnv.restart([api_key: "k", enabled: true, endpoint: "http://127.0.0.1:1"], :permanent)
    top = Process.whereis(Muster.Supervisor)

    for _ <- 1..4 do
      scheduler = AgentEnv.whereis!(Muster.Scheduler)
      ref = Process.monitor(scheduler)
      Process.exit(scheduler, :kill)
      assert_receive {:DOWN, ^ref, :process, _, :killed}
    end

    # Past its restart limit, the reporting supervisor stopped, and nothing restarted it; a
    # permanent application whose top supervisor died would have stopped this VM.
    Process.sleep(100)
    refute Process.whereis(Muster.Reporting)
    refute Process.whereis(Muster.Scheduler)
    assert Process.whereis(Muster.Supervisor) == top
    assert Supervisor.which_children(top) == []
    assert started?()
    assert HostApp.running?(host)
  end
end
