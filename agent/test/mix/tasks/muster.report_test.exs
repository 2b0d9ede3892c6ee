defmodule Mix.Tasks.Muster.ReportTest do
  use ExUnit.Case, async: false

  import ExUnit.CaptureIO

  alias Muster.Test.{AgentEnv, Loopback}

  @moduletag :capture_log

  setup do
    AgentEnv.isolate()
  end

  test "--dry-run prints the payload it would send, with no key needed" do
    output = capture_io(fn -> Mix.Tasks.Muster.Report.run(["--dry-run"]) end)
    assert output =~ ~s("app":"muster")
    assert output =~ ~s("environment":"test")
    assert output =~ ~s({"name":"kernel","version":"#{Application.spec(:kernel, :vsn)}"})
    assert output =~ ~s("otp":"#{Muster.Collector.otp_release()}")
    assert output =~ ~s("stopping":true)
    refute output =~ "started_apps"
  end

  test "sends one heartbeat, of an instance that stops at once, and says it was accepted" do
    port = Loopback.start([{:respond, 202, [], ~s({"id":"1"})}])
    System.put_env(%{"MUSTER_API_KEY" => "mst_k", "MUSTER_ENDPOINT" => "http://127.0.0.1:#{port}"})

    assert capture_io(fn -> Mix.Tasks.Muster.Report.run([]) end) =~ "Muster accepted the heartbeat (202)."
    assert_received {:loopback, %{headers: %{"authorization" => "Bearer mst_k"}, body: body}}
    assert body =~ ~s("stopping":true)
    refute_received {:loopback, _}
  end

  test "the background reports it stops before their first say no goodbye" do
    port = Loopback.start([{:respond, 202, [], ~s({"id":"1"})}])

    System.put_env(%{
      "MUSTER_API_KEY" => "mst_k",
      "MUSTER_ENDPOINT" => "http://127.0.0.1:#{port}",
      "MUSTER_ENABLED" => "true"
    })

    AgentEnv.restart([])
    assert Process.whereis(Muster.Scheduler)

    capture_io(fn -> Mix.Tasks.Muster.Report.run([]) end)
    refute Process.whereis(Muster.Scheduler)
    assert_received {:loopback, _report}
    refute_receive {:loopback, _}, 500
  end

  test "fails with the reason when Muster does not accept it" do
    port = Loopback.start([{:respond, 500, [], ""}])
    System.put_env(%{"MUSTER_API_KEY" => "mst_k", "MUSTER_ENDPOINT" => "http://127.0.0.1:#{port}"})

    assert_raise Mix.Error, "The heartbeat was not accepted: Muster answered 500", fn ->
      Mix.Tasks.Muster.Report.run([])
    end
  end

  test "needs a key and an endpoint to send" do
    assert_raise Mix.Error, ~r/No API key/, fn -> Mix.Tasks.Muster.Report.run([]) end
    System.put_env("MUSTER_API_KEY", "mst_k")
    assert_raise Mix.Error, ~r/No endpoint/, fn -> Mix.Tasks.Muster.Report.run([]) end
  end

  test "refuses an invalid configuration" do
    System.put_env("MUSTER_INTERVAL", "often")

    assert_raise Mix.Error, ~r/MUSTER_INTERVAL must be a whole number/, fn ->
      Mix.Tasks.Muster.Report.run(["--dry-run"])
    end
  end
end
