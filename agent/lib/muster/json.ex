defmodule Muster.JSON do
  @moduledoc """
  A small JSON encoder for the heartbeat, used when the VM has neither Elixir's `JSON` module
  (Elixir 1.18 and later) nor Jason; see `Muster.Encoder`. And a decoder, with which
  `mix muster.scan` reads scan reports, GitHub's event file and Muster's answers on any Elixir the
  agent supports.

  It encodes `nil`, booleans, atoms (as strings), UTF-8 strings, integers, floats, lists and maps
  whose keys are atoms, strings or integers. Anything else, and strings that are not valid UTF-8,
  raise `ArgumentError` rather than produce JSON that the API would misread.

  It decodes RFC 8259 JSON into maps with string keys, lists, strings, integers, floats, booleans
  and `nil`; of a key given twice, the last value wins.
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

  @doc """
  Decodes a JSON text.

      iex> Muster.JSON.decode(~s({"findings": [{"line": 24, "type": "XSS"}], "pass": false}))
      {:ok, %{"findings" => [%{"line" => 24, "type" => "XSS"}], "pass" => false}}

      iex> Muster.JSON.decode("[1, 2")
      {:error, "unexpected end of input at byte 5"}
  """
  @spec decode(binary) :: {:ok, term} | {:error, String.t()}
  def decode(text) when is_binary(text) do
    {value, rest} = text |> skip_space() |> parse_value()

    case skip_space(rest) do
      "" -> {:ok, value}
      rest -> syntax_error(rest)
    end
  catch
    {:json_syntax, rest, problem} -> {:error, "#{problem} at byte #{byte_size(text) - byte_size(rest)}"}
  end

  defp parse_value(<<?{, rest::binary>>), do: rest |> skip_space() |> parse_object([])
  defp parse_value(<<?[, rest::binary>>), do: rest |> skip_space() |> parse_array([])
  defp parse_value(<<?", rest::binary>>), do: parse_string(rest, [])
  defp parse_value(<<"true", rest::binary>>), do: {true, rest}
  defp parse_value(<<"false", rest::binary>>), do: {false, rest}
  defp parse_value(<<"null", rest::binary>>), do: {nil, rest}
  defp parse_value(<<char, _::binary>> = text) when char == ?- or char in ?0..?9, do: parse_number(text)
  defp parse_value(rest), do: syntax_error(rest)

  defp parse_object(<<?}, rest::binary>>, []), do: {%{}, rest}

  defp parse_object(<<?", rest::binary>>, pairs) do
    {key, rest} = parse_string(rest, [])

    case skip_space(rest) do
      <<?:, rest::binary>> ->
        {value, rest} = rest |> skip_space() |> parse_value()
        pairs = [{key, value} | pairs]

        case skip_space(rest) do
          <<?,, rest::binary>> -> rest |> skip_space() |> parse_object(pairs)
          <<?}, rest::binary>> -> {pairs |> Enum.reverse() |> Map.new(), rest}
          rest -> syntax_error(rest)
        end

      rest ->
        syntax_error(rest)
    end
  end

  defp parse_object(rest, _pairs), do: syntax_error(rest)

  defp parse_array(<<?], rest::binary>>, []), do: {[], rest}

  defp parse_array(text, items) do
    {value, rest} = parse_value(text)

    case skip_space(rest) do
      <<?,, rest::binary>> -> rest |> skip_space() |> parse_array([value | items])
      <<?], rest::binary>> -> {Enum.reverse([value | items]), rest}
      rest -> syntax_error(rest)
    end
  end

  # Runs of plain characters are taken as one slice of the input rather than byte by byte.
  defp parse_string(text, acc) do
    length = plain_length(text, 0)
    <<plain::binary-size(length), rest::binary>> = text
    acc = [acc | plain]

    case rest do
      <<?", rest::binary>> ->
        string = IO.iodata_to_binary(acc)
        if String.valid?(string), do: {string, rest}, else: throw({:json_syntax, text, "invalid UTF-8"})

      <<?\\, rest::binary>> ->
        {char, rest} = parse_escape(rest)
        parse_string(rest, [acc | char])

      rest ->
        syntax_error(rest)
    end
  end

  defp plain_length(<<char, rest::binary>>, length) when char != ?" and char != ?\\ and char >= 0x20,
    do: plain_length(rest, length + 1)

  defp plain_length(_, length), do: length

  defp parse_escape(<<?", rest::binary>>), do: {"\"", rest}
  defp parse_escape(<<?\\, rest::binary>>), do: {"\\", rest}
  defp parse_escape(<<?/, rest::binary>>), do: {"/", rest}
  defp parse_escape(<<?b, rest::binary>>), do: {"\b", rest}
  defp parse_escape(<<?f, rest::binary>>), do: {"\f", rest}
  defp parse_escape(<<?n, rest::binary>>), do: {"\n", rest}
  defp parse_escape(<<?r, rest::binary>>), do: {"\r", rest}
  defp parse_escape(<<?t, rest::binary>>), do: {"\t", rest}

  defp parse_escape(<<?u, rest::binary>> = text) do
    case {hex4(rest), rest} do
      # A character beyond the first plane is written as a UTF-16 surrogate pair.
      {high, <<_::binary-size(4), ?\\, ?u, low_rest::binary>>} when high in 0xD800..0xDBFF ->
        case hex4(low_rest) do
          low when low in 0xDC00..0xDFFF ->
            <<_::binary-size(4), rest::binary>> = low_rest
            {<<0x10000 + (high - 0xD800) * 0x400 + (low - 0xDC00)::utf8>>, rest}

          _ ->
            throw({:json_syntax, text, "unpaired surrogate"})
        end

      {code, _} when code in 0xD800..0xDFFF ->
        throw({:json_syntax, text, "unpaired surrogate"})

      {code, <<_::binary-size(4), rest::binary>>} ->
        {<<code::utf8>>, rest}
    end
  end

  defp parse_escape(rest), do: syntax_error(rest)

  defp hex4(<<digits::binary-size(4), _::binary>> = text) do
    if digits =~ ~r/^[0-9a-fA-F]{4}$/, do: String.to_integer(digits, 16), else: syntax_error(text)
  end

  defp hex4(text), do: syntax_error(text)

  defp parse_number(text) do
    {integer, rest} = number_part(text, ~r/^-?(0|[1-9][0-9]*)/)
    {fraction, rest} = number_part(rest, ~r/^\.[0-9]+/, "")
    {exponent, rest} = number_part(rest, ~r/^[eE][+-]?[0-9]+/, "")

    if fraction == "" and exponent == "" do
      {String.to_integer(integer), rest}
    else
      # Erlang reads a float only with a fraction: 1e5 as 1.0e5.
      fraction = if fraction == "", do: ".0", else: fraction

      try do
        {String.to_float(integer <> fraction <> exponent), rest}
      rescue
        ArgumentError -> throw({:json_syntax, text, "number out of range"})
      end
    end
  end

  defp number_part(text, pattern, default \\ nil) do
    case Regex.run(pattern, text, capture: :first) do
      [part] -> {part, binary_part(text, byte_size(part), byte_size(text) - byte_size(part))}
      nil when default != nil -> {default, text}
      nil -> syntax_error(text)
    end
  end

  defp skip_space(<<char, rest::binary>>) when char in [?\s, ?\t, ?\n, ?\r], do: skip_space(rest)
  defp skip_space(rest), do: rest

  defp syntax_error(""), do: throw({:json_syntax, "", "unexpected end of input"})

  defp syntax_error(<<char::utf8, _::binary>> = rest),
    do: throw({:json_syntax, rest, "unexpected #{inspect(<<char::utf8>>)}"})

  defp syntax_error(<<byte, _::binary>> = rest), do: throw({:json_syntax, rest, "unexpected byte #{byte}"})
end
