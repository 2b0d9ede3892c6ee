defmodule Muster.Test.HostApp do
  @moduledoc """
  Stands for the app the agent lives in: an OTP application with a supervisor and one worker, an
  Agent that counts. The tests start it as a permanent application, so that its end would end the
  test run.
  """

  use Application

  @impl true
  def start(_type, _args) do
    children = [%{id: :counter, start: {Agent, :start_link, [fn -> 0 end, [name: __MODULE__.Counter]]}}]
    Supervisor.start_link(children, strategy: :one_for_one, name: __MODULE__.Supervisor)
  end

  @doc "Loads and starts the host application as permanent; stops and unloads it when the test ends."
  def start! do
    spec = [
      description: 'host',
      vsn: '1.0.0',
      modules: [__MODULE__],
      registered: [],
      applications: [:kernel, :stdlib],
      mod: {__MODULE__, []}
    ]

    :ok = :application.load({:application, :muster_host, spec})
    :ok = :application.start(:muster_host, :permanent)

    ExUnit.Callbacks.on_exit(fn ->
      :application.stop(:muster_host)
      :application.unload(:muster_host)
    end)

    Process.whereis(__MODULE__.Counter)
  end

  @doc "Whether the host still runs with the very worker it started with."
  def running?(worker) do
    List.keymember?(Application.started_applications(), :muster_host, 0) and
      Process.whereis(__MODULE__.Counter) == worker and Agent.get(worker, & &1) == 0
  end
end
