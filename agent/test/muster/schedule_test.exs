defmodule Muster.ScheduleTest do
  use ExUnit.Case, async: true

  alias Muster.{Config, Schedule}

  @config %Config{app: "a", environment: "e", interval: 3600, first_delay: 5_000, retry_base: 5_000}

  defp samples(fun), do: for(_ <- 1..500, do: fun.())

  test "the first report comes a few seconds after boot, sooner when the interval is shorter" do
    assert Enum.all?(samples(fn -> Schedule.first(@config) end), &(&1 in 4_500..5_500))
    assert Enum.all?(samples(fn -> Schedule.first(%{@config | interval: 2}) end), &(&1 in 1_800..2_200))
  end

  test "after a success, the next report comes one interval later, give or take 10 %" do
    delays = samples(fn -> Schedule.next(:ok, 0, @config) end)
    assert Enum.all?(delays, &(&1 in 3_240_000..3_960_000))
    assert length(Enum.uniq(delays)) > 1
  end

  test "failures back off exponentially up to a cap" do
    assert Enum.map(1..10, &Schedule.backoff(&1, @config)) ==
             [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000]

    assert Schedule.backoff(1_000, @config) == 600_000
    assert Schedule.backoff(10, %{@config | interval: 60}) == 60_000

    delays = samples(fn -> Schedule.next({:error, {:status, 500}}, 3, @config) end)
    assert Enum.all?(delays, &(&1 in 18_000..22_000))
  end

  test "a 429 waits at least what Retry-After asks" do
    delays = samples(fn -> Schedule.next({:error, {:rate_limited, 120_000}}, 1, @config) end)
    assert Enum.all?(delays, &(&1 in 120_000..132_000))

    assert Enum.all?(
             samples(fn -> Schedule.next({:error, {:rate_limited, 0}}, 1, @config) end),
             &(&1 >= 1_000)
           )

    assert Enum.all?(
             samples(fn -> Schedule.next({:error, {:rate_limited, 10 * 86_400_000}}, 1, @config) end),
             &(&1 in 86_400_000..95_040_000)
           )

    assert Schedule.next({:error, {:rate_limited, nil}}, 1, @config) in 4_500..5_500
  end

  test "a refusal waits a whole interval" do
    delays = samples(fn -> Schedule.next({:error, {:rejected, 401, ""}}, 5, @config) end)
    assert Enum.all?(delays, &(&1 in 3_240_000..3_960_000))
  end
end
