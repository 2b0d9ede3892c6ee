defmodule Muster.Supervisor do
  @moduledoc """
  The agent's supervision tree, built so that nothing in it can take the app down.

      Muster.Supervisor            never fails: its one child is temporary
      └── Muster.Reporting         restarts its children up to 3 times in 60 s, then gives up
          ├── Muster.TaskSupervisor
          └── Muster.Scheduler     each report runs in a task of its own

  When the scheduler keeps crashing, `Muster.Reporting` exceeds its restart limit and stops; being
  a temporary child it is not restarted, so `Muster.Supervisor` and the `:muster` application keep
  running (without reports) even when the app starts its dependencies as permanent, and the failure
  never reaches the app's own supervisors. `Muster.Reporting` is started after the top supervisor,
  so that even a failure to start it leaves the application booted.
  """

  use Supervisor

  require Logger

  @doc """
  Starts the tree: reporting with `{:ok, config}`, nothing but the empty top supervisor with `:off`.
  """
  @spec start_link({:ok, Muster.Config.t()} | :off) :: Supervisor.on_start()
  def start_link(config) do
    with {:ok, pid} <- Supervisor.start_link(__MODULE__, [], name: __MODULE__) do
      start_reporting(config)
      {:ok, pid}
    end
  end

  @doc """
  Stops the background reports of this VM, if they run, with the goodbye of a graceful stop if
  they have reported (see `Muster.Scheduler`). `mix muster.report` calls it so that its own report
  is the only one.
  """
  @spec stop_reporting() :: :ok
  def stop_reporting do
    if Process.whereis(__MODULE__) do
      Supervisor.terminate_child(__MODULE__, Muster.Reporting)
    end

    :ok
  end

  @impl true
  def init([]), do: Supervisor.init([], strategy: :one_for_one)

  defp start_reporting(:off), do: :ok

  defp start_reporting({:ok, config}) do
    case Supervisor.start_child(__MODULE__, reporting(config)) do
      {:ok, _pid} -> :ok
      {:error, reason} -> Logger.warning("Muster agent is off: it could not start (#{inspect(reason)})")
    end
  end

  defp reporting(config) do
    children = [
      {Task.Supervisor, name: Muster.TaskSupervisor},
      {Muster.Scheduler, config}
    ]

    options = [strategy: :rest_for_one, max_restarts: 3, max_seconds: 60, name: Muster.Reporting]

    %{
      id: Muster.Reporting,
      start: {Supervisor, :start_link, [children, options]},
      type: :supervisor,
      restart: :temporary
    }
  end
end
