defmodule Muster.Application do
  @moduledoc """
  Starts the agent when the app boots, in its own supervision tree (`Muster.Supervisor`).

  The start never fails: without an API key, when disabled or under `MIX_ENV=test` the agent is
  simply off, and a wrong configuration, or even an exception while reading it, logs one warning
  and leaves it off. The app boots normally either way.
  """

  use Application

  require Logger

  alias Muster.Config

  @impl true
  def start(_type, _args), do: Muster.Supervisor.start_link(decide())

  defp decide do
    case Config.load() do
      {:ok, config} ->
        {:ok, config}

      {:off, reason} ->
        Logger.debug("Muster agent is off: #{reason}")
        :off

      {:error, problems} ->
        Logger.warning("Muster agent is off, its configuration is invalid: #{Enum.join(problems, "; ")}")
        :off
    end
  rescue
    exception ->
      Logger.warning("Muster agent is off: reading its configuration failed: #{Exception.message(exception)}")
      :off
  end
end
