defmodule Muster.SchedulerTest do
  use ExUnit.Case, async: false

  import ExUnit.CaptureLog

  alias Muster.Config
  alias Muster.Test.Loopback

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

  # Whether the scheduler counts `count` failures in a row within a few seconds.
  defp failures_reach(scheduler, count, attempts \\ 250) do
    cond do
      :sys.get_state(scheduler).failures >= count ->
        true

      attempts == 0 ->
        false

      true ->
        Process.sleep(20)
        failures_reach(scheduler, count, attempts - 1)
    end
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
end
