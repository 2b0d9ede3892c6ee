defmodule Muster.Scheduler do
  @moduledoc """
  Runs the reports, one at a time, at the times `Muster.Schedule` sets.

  Each report runs in a task under `Muster.TaskSupervisor`, not linked to the scheduler: whatever
  goes wrong while collecting, encoding or sending (an exception, a hang past the timeouts) ends
  that report as a failure and the scheduler carries on with a retry.

  The log stays quiet: a warning when reports start failing or fail differently, then only debug
  lines until they succeed again, which is logged once.
  """

  use GenServer

  require Logger

  alias Muster.{Config, Schedule, Transport}

  @doc false
  def start_link(%Config{} = config), do: GenServer.start_link(__MODULE__, config, name: __MODULE__)

  @impl true
  def init(config) do
    Logger.info(
      "Muster agent reporting #{config.app} (#{config.environment}) to #{config.endpoint} every #{config.interval} s"
    )

    state = %{config: config, task: nil, watchdog: nil, failures: 0, last_problem: nil}
    {:ok, schedule(state, Schedule.first(config))}
  end

  @impl true
  def handle_info(:report, %{task: nil, config: config} = state) do
    task = Task.Supervisor.async_nolink(Muster.TaskSupervisor, fn -> Muster.report(config) end)
    watchdog = Process.send_after(self(), {:overdue, task.ref}, overdue_after(config))
    {:noreply, %{state | task: task, watchdog: watchdog}}
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

  # Late messages of a report that already ended.
  def handle_info(_message, state), do: {:noreply, state}

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
