defmodule Muster do
  @moduledoc """
  The Muster agent reports what a running Elixir app really runs, so that Muster can answer which
  apps use the vulnerable version of a package.

  Added to an app's dependencies, it starts with the app (`Muster.Application`) and, when it has
  an API key, sends a heartbeat a few seconds after boot and then every hour: every loaded
  application with its version, the Elixir, OTP and ERTS versions, the release, the host and the
  app's classification. When the app stops gracefully, a last heartbeat tells Muster that this
  instance is gone (see `Muster.Scheduler`). See the README for installation and `Muster.Config`
  for the settings.

  The agent is built as four concerns: `Muster.Collector` builds the heartbeat, `Muster.Encoder`
  turns it into JSON, `Muster.Transport` sends it and `Muster.Scheduler` decides when.

  Apart from the running app, `mix muster.scan` uploads code-scan reports from CI: see
  `Mix.Tasks.Muster.Scan`.
  """

  @doc """
  Collects, encodes and sends one heartbeat now, and returns the outcome of the request; see
  `Muster.Transport.post/2`. With `stopping: true` it is the instance's last heartbeat, after which
  Muster counts it as stopped; see `Muster.Collector.collect/2`.
  """
  @spec report(Muster.Config.t(), [{:stopping, boolean}]) ::
          {:ok, pos_integer} | {:error, Muster.Transport.reason()}
  def report(%Muster.Config{} = config, options \\ []) do
    body = config |> Muster.Collector.collect(options) |> Muster.Encoder.encode!()
    Muster.Transport.post(config, body)
  end
end
