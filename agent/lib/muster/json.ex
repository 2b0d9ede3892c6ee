defmodule Muster.JSON do
  @moduledoc """
  A small JSON encoder for the heartbeat, used when the VM has neither Elixir's `JSON` module
  (Elixir 1.18 and later) nor Jason; see `Muster.Encoder`.

  It encodes `nil`, booleans, atoms (as strings), UTF-8 strings, integers, floats, lists and maps
  whose keys are atoms, strings or integers. Anything else, and strings that are not valid UTF-8,
  raise `ArgumentError` rather than produce JSON that the API would misread.
  """

  @doc """
  Encodes `term` as JSON.

      iex> Muster.JSON.encode!(%{"deps" => [%{"name" => "plug", "version" => "1.16.1"}]})
      ~s({"deps":[{"name":"plug","version":"1.16.1"}]})
  """
  @spec encode!(term) :: String.t()
  def encode!(term), do: term |> value() |> IO.iodata_to_binary()

  defp value(nil), do: "null"
  defp value(true), do: "true"
  defp value(false), do: "false"
  defp value(atom) when is_atom(atom), do: string(Atom.to_string(atom))
  defp value(string) when is_binary(string), do: string(string)
  defp value(integer) when is_integer(integer), do: Integer.to_string(integer)
  defp value(float) when is_float(float), do: :erlang.float_to_binary(float, [:short])
  defp value(list) when is_list(list), do: [?[, Enum.map_intersperse(list, ?,, &value/1), ?]]

  defp value(%{__struct__: module}),
    do: raise(ArgumentError, "cannot encode a #{inspect(module)} struct as JSON")

  defp value(map) when is_map(map) do
    [?{, Enum.map_intersperse(map, ?,, fn {key, value} -> [key(key), ?:, value(value)] end), ?}]
  end

  defp value(other), do: raise(ArgumentError, "cannot encode #{inspect(other)} as JSON")

  defp key(key) when is_binary(key), do: string(key)
  defp key(key) when is_atom(key) and not is_nil(key) and not is_boolean(key), do: string(Atom.to_string(key))
  defp key(key) when is_integer(key), do: string(Integer.to_string(key))
  defp key(key), do: raise(ArgumentError, "cannot encode #{inspect(key)} as a JSON object key")

  defp string(string) do
    if String.valid?(string) do
      [?", escape(string, []), ?"]
    else
      raise ArgumentError, "cannot encode #{inspect(string)} as JSON: it is not valid UTF-8"
    end
  end

  defp escape(<<>>, acc), do: Enum.reverse(acc)
  defp escape(<<?", rest::binary>>, acc), do: escape(rest, ["\\\"" | acc])
  defp escape(<<?\\, rest::binary>>, acc), do: escape(rest, ["\\\\" | acc])
  defp escape(<<?\n, rest::binary>>, acc), do: escape(rest, ["\\n" | acc])
  defp escape(<<?\r, rest::binary>>, acc), do: escape(rest, ["\\r" | acc])
  defp escape(<<?\t, rest::binary>>, acc), do: escape(rest, ["\\t" | acc])
  defp escape(<<?\b, rest::binary>>, acc), do: escape(rest, ["\\b" | acc])
  defp escape(<<?\f, rest::binary>>, acc), do: escape(rest, ["\\f" | acc])
  defp escape(<<char, rest::binary>>, acc) when char < 0x20, do: escape(rest, [unicode(char) | acc])
  # JavaScript source cannot hold these two raw, so they are escaped for readers that eval.
  defp escape(<<char::utf8, rest::binary>>, acc) when char in [0x2028, 0x2029],
    do: escape(rest, [unicode(char) | acc])

  defp escape(<<char::utf8, rest::binary>>, acc), do: escape(rest, [<<char::utf8>> | acc])

  defp unicode(char), do: "\\u" <> String.pad_leading(Integer.to_string(char, 16), 4, "0")
end
