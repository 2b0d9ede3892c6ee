defmodule Muster.Schedule do
  @moduledoc """
  When the next report is due, as pure functions of the last outcome; `Muster.Scheduler` keeps
  the time.

    * The first report comes a few seconds after boot (five, or the interval if that is shorter).
    * After a report is accepted, the next comes one interval later.
    * After a failure the agent retries with exponential backoff, from `retry_base` doubling up to
      a cap of ten minutes or the interval, whichever is shorter.
    * A 429 waits at least as long as its `Retry-After` asks (and at least a second), up to a day.
    * A refusal (any other 4xx: a revoked key, a payload the API does not take) waits a whole
      interval, since sending the same again at once would be refused again.

  Every wait varies by up to 10 % (after a 429, only upwards), so that a fleet restarted at once
  does not report in step.
  """

  alias Muster.Config

  @backoff_cap 600_000
  @max_retry_after 86_400_000

  @doc "Milliseconds before the first report."
  @spec first(Config.t()) :: non_neg_integer
  def first(%Config{} = config), do: jitter(min(config.first_delay, interval(config)))

  @doc "Milliseconds before the next report, after the report that just ended."
  @spec next(:ok | {:error, term}, non_neg_integer, Config.t()) :: non_neg_integer
  def next(:ok, _failures, config), do: jitter(interval(config))

  def next({:error, {:rate_limited, ms}}, _failures, _config) when is_integer(ms) do
    wait = ms |> max(1000) |> min(@max_retry_after)
    wait + :rand.uniform(div(wait, 10) + 1) - 1
  end

  def next({:error, {:rejected, _status, _body}}, _failures, config), do: jitter(interval(config))
  def next({:error, _}, failures, config), do: jitter(backoff(failures, config))

  @doc "The wait before retry number `failures` (1 for the first), before jitter."
  @spec backoff(pos_integer, Config.t()) :: pos_integer
  def backoff(failures, config) do
    cap = min(@backoff_cap, interval(config))
    min(cap, config.retry_base * Integer.pow(2, min(failures - 1, 20)))
  end

  defp interval(config), do: config.interval * 1000

  defp jitter(ms) do
    spread = div(ms, 10)
    ms - spread + :rand.uniform(2 * spread + 1) - 1
  end
end
