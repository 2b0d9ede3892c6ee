defmodule Muster.EncoderTest do
  use ExUnit.Case, async: false

  alias Muster.Encoder

  test "uses Elixir's JSON from 1.18, else the built-in encoder when there is no Jason" do
    expected = if Version.match?(System.version(), ">= 1.18.0"), do: JSON, else: Muster.JSON

    unless Code.ensure_loaded?(Jason) do
      assert Encoder.encoder() == expected
    end
  end

  test "prefers Jason to the built-in encoder when the app has it" do
    if Code.ensure_loaded?(Jason) or Version.match?(System.version(), ">= 1.18.0") do
      assert Encoder.encoder() != Muster.JSON
    else
      [{module, _}] =
        Code.compile_string("""
        defmodule Jason do
          def encode!(term), do: IO.iodata_to_binary(["J", Muster.JSON.encode!(term)])
        end
        """)

      try do
        assert Encoder.encoder() == Jason
        assert Encoder.encode!(%{"a" => 1}) == ~s(J{"a":1})
      after
        :code.purge(module)
        :code.delete(module)
      end

      assert Encoder.encoder() == Muster.JSON
    end
  end

  test "encodes to a binary" do
    assert Encoder.encode!(%{"app" => "billing", "deps" => []}) in [
             ~s({"app":"billing","deps":[]}),
             ~s({"deps":[],"app":"billing"})
           ]
  end
end
