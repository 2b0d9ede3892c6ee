defmodule Mix.Tasks.Muster.Report do
  @shortdoc "Sends one heartbeat to Muster now, or prints it with --dry-run"

  @moduledoc """
  Sends one heartbeat to Muster now, from the app started as `mix run` would start it.

      mix muster.report            # sends it and says whether Muster accepted it
      mix muster.report --dry-run  # prints the JSON it would send, and sends nothing

  It reads the same settings as the agent (`Muster.Config`); `--dry-run` needs no API key. The
  agent's background reports in this VM are stopped first, so that this report is the only one.

  The VM ends right after, so the report is that of a short-lived instance that stops at once: it
  carries `"stopping": true` (and so no `started_apps`, see `Muster.Collector.collect/2`), and Muster
  never counts the instance as live. `--dry-run` prints that same heartbeat.
  """

  use Mix.Task

  alias Muster.{Collector, Config, Encoder, Transport}

  @requirements ["app.start"]

  @impl true
  def run(args) do
    {options, _} = OptionParser.parse!(args, strict: [dry_run: :boolean])
    Muster.Supervisor.stop_reporting()

    case Config.resolve() do
      {:ok, config} -> if options[:dry_run], do: print(config), else: deliver(config)
      {:error, problems} -> Mix.raise("Muster's configuration is invalid: " <> Enum.join(problems, "; "))
    end
  end

  defp print(config),
    do: config |> Collector.collect(stopping: true) |> Encoder.encode!() |> Mix.shell().info()

  defp deliver(%Config{api_key: nil}),
    do: Mix.raise("No API key: set MUSTER_API_KEY or config :muster, api_key: ...")

  defp deliver(%Config{endpoint: nil}),
    do: Mix.raise("No endpoint: set MUSTER_ENDPOINT or config :muster, endpoint: ...")

  defp deliver(config) do
    case Muster.report(config, stopping: true) do
      {:ok, status} -> Mix.shell().info("Muster accepted the heartbeat (#{status}).")
      {:error, reason} -> Mix.raise("The heartbeat was not accepted: " <> Transport.describe(reason))
    end
  end
end
