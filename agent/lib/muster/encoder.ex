defmodule Muster.Encoder do
  @moduledoc """
  Encodes the heartbeat as JSON with the best encoder the VM has: Elixir's own `JSON` module
  (Elixir 1.18 and later), else Jason when the app depends on it, else the agent's
  `Muster.JSON`. The agent brings no dependency of its own.
  """

  @doc "Encodes `term` as a JSON string."
  @spec encode!(term) :: String.t()
  def encode!(term) do
    encoder = encoder()
    term |> encoder.encode!() |> IO.iodata_to_binary()
  end

  @doc "The module `encode!/1` uses: `JSON`, `Jason` or `Muster.JSON`."
  @spec encoder() :: module
  def encoder do
    cond do
      elixir_json?() -> JSON
      exports_encode?(Jason) -> Jason
      true -> Muster.JSON
    end
  end

  # Before Elixir 1.18 a module named JSON can only come from some other library, whose API is
  # not Elixir's.
  defp elixir_json?, do: Version.match?(System.version(), ">= 1.18.0") and exports_encode?(JSON)

  defp exports_encode?(module), do: Code.ensure_loaded?(module) and function_exported?(module, :encode!, 1)
end
