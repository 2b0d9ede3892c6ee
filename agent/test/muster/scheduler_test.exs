defmodule Muster.SchedulerTest do
  use ExUnit.Case, async: false

  import ExUnit.CaptureLog

  alias Muster.Config
  alias Muster.Test.{Httpc, Loopback}

  @moduletag :capture_log

  defp start_scheduler(port, overrides \\ []) do
    config =
      struct!(
        %Config{
          api_key: "k",
          endpoint: "http://127.0.0.1:#{port}",
          app: "shop",
          environment: "prod",
          interval: 60,
          first_delay: 50,
          retry_base: 200,
          connect_timeout: 500,
          request_timeout: 500
        },
        overrides
      )

    start_supervised!({Task.Supervisor, name: Muster.TaskSupervisor})
    start_supervised!({Muster.Scheduler, config})
  end

  # Waits are checked from below, where the schedule sets them, and loosely from above, where a
  # busy machine adds its own delays.
  defp next_request(timeout \\ 5_000) do
    assert_receive {:loopback, request}, timeout
    {System.monotonic_time(:millisecond), request}
  end

  # Whether the scheduler's state comes to pass `check` within a few seconds.
  defp reaches?(scheduler, check, attempts \\ 250) do
    cond do
      check.(:sys.get_state(scheduler)) ->
        true

      attempts == 0 ->
        false

      true ->
        Process.sleep(20)
        reaches?(scheduler, check, attempts - 1)
    end
  end

  defp failures_reach(scheduler, count), do: reaches?(scheduler, &(&1.failures >= count))

  defp report_ended(scheduler), do: reaches?(scheduler, &(&1.task == nil))

  defp instance(request), do: Regex.run(~r/"instance":"([^"]+)"/, request.body, capture: :all_but_first)

  defp stop_timed do
    {microseconds, :ok} = :timer.tc(fn -> stop_supervised(Muster.Scheduler) end)
    div(microseconds, 1000)
  end

  test "reports soon after start, then waits the interval" do
    port = Loopback.start([{:respond, 202, [], ~s({"id":"1"})}])
    started = System.monotonic_time(:millisecond)
    start_scheduler(port)

    {at, request} = next_request()
    assert at - started < 3_000
    assert request.target == "/v1/heartbeat"
    assert request.body =~ ~s("app":"shop")
    refute_receive {:loopback, _}, 1_000
  end

  test "retries failures with growing waits until Muster accepts, and logs once each way" do
    port =
      Loopback.start([
        {:respond, 500, [], ""},
        {:respond, 503, [], ""},
        :close,
        {:respond, 202, [], "{}"}
      ])

    log =
      capture_log(fn ->
        start_scheduler(port, retry_base: 300)
        {first, _} = next_request()
        {second, _} = next_request()
        {third, _} = next_request()
        {fourth, _} = next_request()

        # 300 ms, 600 ms, 1200 ms, each give or take 10 %.
        assert (second - first) in 270..2_800
        assert (third - second) in 540..3_100
        assert (fourth - third) in 1_080..3_700
        refute_receive {:loopback, _}, 1_000
      end)

    assert log =~ "[warning] Muster agent: Muster answered 500; next try in 1 s"
    assert log =~ "[warning] Muster agent: Muster answered 503"
    assert log =~ "[warning] Muster agent: the connection closed before Muster answered"
    assert log =~ "[info] Muster agent: reports are accepted again"
  end

  test "repeats of one failure are logged once" do
    port = Loopback.start([{:respond, 500, [], ""}])

    log =
      capture_log(fn ->
        start_scheduler(port)
        # The fourth request comes after the third failure was logged.
        for _ <- 1..4, do: next_request()
      end)

    assert length(String.split(log, "[warning] Muster agent: Muster answered 500")) == 2
    assert length(String.split(log, "[debug] Muster agent: Muster answered 500")) >= 3
  end

  test "waits as long as Retry-After asks" do
    port = Loopback.start([{:respond, 429, [{"retry-after", "1"}], ""}, {:respond, 202, [], "{}"}])
    start_scheduler(port)
    {first, _} = next_request()
    {second, _} = next_request()
    assert (second - first) in 1_000..3_500
  end

  test "a refused heartbeat waits a whole interval" do
    port = Loopback.start([{:respond, 401, [], ~s({"error":{"code":"unauthorized"}})}])

    log =
      capture_log(fn ->
        start_scheduler(port, interval: 2)
        {first, _} = next_request()
        {second, _} = next_request(4_000)
        assert (second - first) in 1_800..4_500
      end)

    assert log =~ ~s[Muster refused the heartbeat (401): {"error":{"code":"unauthorized"}}]
  end

  test "a server that hangs is retried" do
    port = Loopback.start([:hang, {:respond, 202, [], "{}"}])
    start_scheduler(port)
    {first, _} = next_request()
    {second, _} = next_request()
    # The 500 ms request timeout, then the first retry's 200 ms.
    assert (second - first) in 650..4_000
  end

  test "a server that is not there is retried" do
    log =
      capture_log(fn ->
        scheduler = start_scheduler(Loopback.closed_port())
        assert failures_reach(scheduler, 2)
      end)

    assert log =~ "[warning] Muster agent: could not connect: :econnrefused"
  end

  test "a report that crashes is a failure like another; the scheduler carries on" do
    port = Loopback.start([{:respond, 202, [], "{}"}])

    log =
      capture_log(fn ->
        # No key: building the Authorization header raises inside the report's task.
        scheduler = start_scheduler(port, api_key: nil)
        assert failures_reach(scheduler, 2)
        assert Process.alive?(scheduler)
      end)

    assert log =~ "the report crashed: ** (ArgumentError)"
    refute_received {:loopback, _}
  end

  test "the exit of a process linked to it leaves it running" do
    port = Loopback.start([{:respond, 202, [], "{}"}])
    scheduler = start_scheduler(port, first_delay: 60_000)
    watch = Process.monitor(scheduler)

    {linked, ref} =
      spawn_monitor(fn ->
        Process.link(scheduler)
        exit(:boom)
      end)

    assert_receive {:DOWN, ^ref, :process, ^linked, :boom}
    refute_receive {:DOWN, ^watch, :process, _, _}, 200
    assert :sys.get_state(scheduler).failures == 0
  end

  describe "stopping" do
    test "after reporting, it tells Muster that the instance stops, as the same instance" do
      port = Loopback.start([{:respond, 202, [], "{}"}])
      scheduler = start_scheduler(port)
      {_, first} = next_request()
      assert report_ended(scheduler)
      refute first.body =~ "stopping"

      assert stop_timed() < 2_000
      assert_received {:loopback, goodbye}
      assert goodbye.target == "/v1/heartbeat"
      assert goodbye.body =~ ~s("stopping":true)
      refute goodbye.body =~ "started_apps"
      assert instance(goodbye) == instance(first)
    end

    test "a goodbye that hangs holds the stop up for 2 s at most, and leaves nothing behind" do
      port = Loopback.start([{:respond, 202, [], "{}"}, :hang])
      # Timeouts longer than the goodbye's 2 s, so that only the goodbye's own bound can end it.
      scheduler = start_scheduler(port, connect_timeout: 5_000, request_timeout: 15_000)
      next_request()
      assert report_ended(scheduler)

      log = capture_log(fn -> assert stop_timed() in 2_000..2_999 end)

      assert_received {:loopback, goodbye}
      assert goodbye.body =~ ~s("stopping":true)

      assert log =~
               "[info] Muster agent: could not tell Muster that this instance stops: no answer within 2 s"

      assert Httpc.none_left?()
    end

    test "a report under way that hangs takes the 2 s, and no goodbye follows" do
      port = Loopback.start([:hang])
      start_scheduler(port, connect_timeout: 5_000, request_timeout: 15_000)
      next_request()

      assert stop_timed() in 2_000..2_999
      refute_received {:loopback, _}
      assert Httpc.none_left?()
    end

    test "a goodbye that crashes is only logged, at the info level" do
      port = Loopback.start([{:respond, 202, [], "{}"}])
      # No key: building the Authorization header raises, in every report.
      scheduler = start_scheduler(port, api_key: nil)
      assert failures_reach(scheduler, 1)

      log = capture_log(fn -> stop_timed() end)

      assert log =~
               "[info] Muster agent: could not tell Muster that this instance stops: the report crashed: ** (ArgumentError)"

      refute log =~ "[error]"
    end

    test "before its first report, it says nothing" do
      port = Loopback.start([{:respond, 202, [], "{}"}])
      start_scheduler(port, first_delay: 60_000)

      assert stop_timed() < 1_000
      refute_receive {:loopback, _}, 500
    end

    test "a crash is no goodbye: the scheduler is restarted and reports on" do
      port = Loopback.start([{:respond, 202, [], "{}"}])
      scheduler = start_scheduler(port)
      next_request()
      assert report_ended(scheduler)

      catch_exit(GenServer.call(scheduler, :unexpected))

      {_, request} = next_request()
      refute request.body =~ "stopping"
    end
  end
end
