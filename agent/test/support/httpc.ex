defmodule Muster.Test.Httpc do
  @moduledoc """
  The stand-alone `:httpc` clients and request handlers alive in this VM, apart from the default
  profile of inets, which is registered: what a report may leave behind.
  """

  @doc "The clients' and handlers' processes."
  def processes do
    for pid <- Process.list(),
        info = Process.info(pid, [:dictionary, :registered_name]),
        info[:registered_name] == [],
        info[:dictionary][:"$initial_call"] in [{:httpc_manager, :init, 1}, {:httpc_handler, :init, 1}],
        do: pid
  end

  @doc "Whether none is left; a handler ends on its own soon after its client, so give it a moment."
  def none_left?(attempts \\ 50) do
    cond do
      processes() == [] ->
        true

      attempts == 0 ->
        false

      true ->
        Process.sleep(20)
        none_left?(attempts - 1)
    end
  end
end
