defmodule Muster.Test.AgentEnv do
  @moduledoc """
  Runs the `:muster` application of the test VM with a configuration of the test's choosing, as
  the app it lives in would, and puts the VM back as it was (the agent off) when the test ends.
  The `MUSTER_*` variables of the shell that runs the tests are set aside meanwhile, and for the
  tests that ask, its CI variables too.
  """

  import ExUnit.Callbacks, only: [on_exit: 1]

  @doc "Clears the agent's variables for this test; they come back when it ends."
  def isolate do
    restore = set_aside(&String.starts_with?(&1, "MUSTER_"))

    on_exit(fn ->
      restore.()
      restart([])
    end)
  end

  @doc """
  Clears the variables of GitHub Actions and GitLab CI for this test, so that the CI running the
  tests does not stand in for the one a test describes; they come back when it ends.
  """
  def isolate_ci do
    restore = set_aside(&(String.starts_with?(&1, "GITHUB_") or String.starts_with?(&1, "CI_")))
    on_exit(restore)
  end

  # Deletes the variables whose names match, and returns what puts them back.
  defp set_aside(match?) do
    saved = for {name, value} <- System.get_env(), match?.(name), do: {name, value}
    Enum.each(saved, fn {name, _} -> System.delete_env(name) end)

    fn ->
      for {name, _} <- System.get_env(), match?.(name), do: System.delete_env(name)
      Enum.each(saved, fn {name, value} -> System.put_env(name, value) end)
    end
  end

  @doc "Restarts `:muster` with `app_env` as its configuration, started as `type`."
  def restart(app_env, type \\ :temporary) do
    Application.stop(:muster)
    for {key, _} <- Application.get_all_env(:muster), do: Application.delete_env(:muster, key)
    for {key, value} <- app_env, do: Application.put_env(:muster, key, value)
    {:ok, _} = Application.ensure_all_started(:muster, type)
    :ok
  end

  @doc "Waits, in bounded steps, for a process to be registered under `name`."
  def whereis!(name, attempts \\ 100) do
    case Process.whereis(name) do
      nil when attempts > 0 ->
        Process.sleep(20)
        whereis!(name, attempts - 1)

      nil ->
        raise "#{inspect(name)} was never registered"

      pid ->
        pid
    end
  end
end
