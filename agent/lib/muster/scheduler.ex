defmodule Muster.Scheduler do
  @moduledoc """
  Runs the reports, one at a time, at the times `Muster.Schedule` sets.

  Each report runs in a task under `Muster.TaskSupervisor`, not linked to the scheduler: whatever
  goes wrong while collecting, encoding or sending (an exception, a hang past the timeouts) ends
  that report as a failure and the scheduler carries on with a retry.

  The log stays quiet: a warning when reports start failing or fail differently, then only debug
  lines until they succeed again, which is logged once.

  When the scheduler is stopped gracefully (the `:muster` application stopping, as it does when a
  release gets SIGTERM, or `Application.stop(:muster)`), it sends a last heartbeat with
  `"stopping": true`, so that Muster counts the instance as stopped at once instead of three missed
  heartbeats later. It only does so once it has tried to report: before that, Muster may not know
  the instance at all, and a goodbye would only record an instance that never ran for Muster (as
  when `mix muster.report` stops the background reports right after boot). A report still under
  way is let finish first, since the HTTP clients of two reports cannot run at once (see
  `Muster.HTTP`). Both take 2 s at most in total, after which the goodbye's process and its
  HTTP client are killed: shutdown never waits longer for Muster, and a failed goodbye is only
  logged at the info level. A crash sends no goodbye: the scheduler is restarted and reports again.
  """

  # The supervisor's 5 s for the scheduler to stop leave room for the 2 s goodbye.
  use GenServer, shutdown: 5_000

  require Logger

  alias Muster.{Config, Schedule, Transport}

  @goodbye_within 2_000

  @doc false
  def start_link(%Config{} = config), do: GenServer.start_link(__MODULE__, config, name: __MODULE__)

  @impl true
  def init(config) do
    # So that the supervisor's stop runs terminate/2, which says goodbye.
    Process.flag(:trap_exit, true)

    Logger.info(
      "Muster agent reporting #{config.app} (#{config.environment}) to #{config.endpoint} every #{config.interval} s"
    )

    state = %{config: config, task: nil, watchdog: nil, failures: 0, last_problem: nil, attempted: false}
    {:ok, schedule(state, Schedule.first(config))}
  end

  @impl true
  def handle_info(:report, %{task: nil, config: config} = state) do
    task = Task.Supervisor.async_nolink(Muster.TaskSupervisor, fn -> Muster.report(config) end)
    watchdog = Process.send_after(self(), {:overdue, task.ref}, overdue_after(config))
    {:noreply, %{state | task: task, watchdog: watchdog, attempted: true}}
  end

  def handle_info({ref, result}, %{task: %Task{ref: ref}} = state) do
    Process.demonitor(ref, [:flush])
    {:noreply, finished(state, result)}
  end

  def handle_info({:DOWN, ref, :process, _pid, reason}, %{task: %Task{ref: ref}} = state) do
    {:noreply, finished(state, {:error, {:crashed, reason}})}
  end

  def handle_info({:overdue, ref}, %{task: %Task{ref: ref} = task} = state) do
    Task.shutdown(task, 1_000)
    {:noreply, finished(state, {:error, {:network, :timeout}})}
  end

  # Late messages of a report that already ended, and exits of linked processes, which trapping
  # exits turns into messages; the supervisor's own exit never gets here.
  def handle_info(_message, state), do: {:noreply, state}

  @impl true
  def terminate(reason, %{attempted: true} = state) do
    if graceful?(reason), do: say_goodbye(state)
  end

  def terminate(_reason, _state), do: :ok

  defp graceful?(reason), do: reason in [:normal, :shutdown] or match?({:shutdown, _}, reason)

  defp say_goodbye(state) do
    deadline = System.monotonic_time(:millisecond) + @goodbye_within

    case finish_report(state.task, deadline) do
      :done ->
        goodbye = Task.async(fn -> goodbye(state.config) end)
        log_goodbye(Task.yield(goodbye, time_left(deadline)) || Task.shutdown(goodbye, :brutal_kill))

      :overdue ->
        log_goodbye(:overdue)
    end
  end

  # A crash is a failure like another here, logged as such rather than as an error of the app's
  # shutdown.
  defp goodbye(config) do
    Muster.report(config, stopping: true)
  rescue
    exception -> {:error, {:crashed, {exception, __STACKTRACE__}}}
  end

  defp finish_report(nil, _deadline), do: :done

  defp finish_report(task, deadline) do
    if Task.yield(task, time_left(deadline)) || Task.shutdown(task, :brutal_kill),
      do: :done,
      else: :overdue
  end

  defp time_left(deadline), do: max(deadline - System.monotonic_time(:millisecond), 0)

  defp log_goodbye({:ok, {:ok, _status}}), do: Logger.debug("Muster agent: Muster knows this instance stops")

  defp log_goodbye(outcome) do
    why =
      case outcome do
        {:ok, {:error, reason}} -> Transport.describe(reason)
        {:exit, reason} -> Transport.describe({:crashed, reason})
        nil -> "no answer within #{div(@goodbye_within, 1000)} s"
        :overdue -> "a report under way took the #{div(@goodbye_within, 1000)} s"
      end

    Logger.info("Muster agent: could not tell Muster that this instance stops: #{why}")
  end

  defp finished(state, result) do
    Process.cancel_timer(state.watchdog)
    state = %{state | task: nil, watchdog: nil}

    case result do
      {:ok, _status} ->
        if state.failures > 0, do: Logger.info("Muster agent: reports are accepted again")
        schedule(%{state | failures: 0, last_problem: nil}, Schedule.next(:ok, 0, state.config))

      {:error, reason} ->
        failures = state.failures + 1
        delay = Schedule.next({:error, reason}, failures, state.config)
        log_failure(reason, delay, state.last_problem)
        schedule(%{state | failures: failures, last_problem: kind(reason)}, delay)
    end
  end

  defp log_failure(reason, delay, last_problem) do
    message = fn -> "Muster agent: #{Transport.describe(reason)}; next try in #{div(delay + 999, 1000)} s" end

    if kind(reason) == last_problem, do: Logger.debug(message), else: Logger.warning(message)
  end

  # What makes two failures "the same" for the log: the status, or the kind of network error.
  defp kind({:rejected, status, _body}), do: {:rejected, status}
  defp kind({:network, {:failed_connect, _}}), do: {:network, :failed_connect}
  defp kind({:crashed, _}), do: :crashed
  defp kind({:rate_limited, _}), do: :rate_limited
  defp kind(reason), do: reason

  defp schedule(state, delay) do
    Process.send_after(self(), :report, delay)
    state
  end

  # Past both of the transport's timeouts with room for collecting and encoding.
  defp overdue_after(config), do: config.connect_timeout + config.request_timeout + 10_000
end
