defmodule Muster.JSONTest do
  use ExUnit.Case, async: true

  alias Muster.JSON

  doctest Muster.JSON

  test "encodes scalars" do
    assert JSON.encode!(nil) == "null"
    assert JSON.encode!(true) == "true"
    assert JSON.encode!(false) == "false"
    assert JSON.encode!(0) == "0"
    assert JSON.encode!(-42) == "-42"
    assert JSON.encode!(123_456_789_012_345_678_901) == "123456789012345678901"
    assert JSON.encode!(1.5) == "1.5"
    assert JSON.encode!(0.1) == "0.1"
    assert JSON.encode!(-2.0e-10) == "-2.0e-10"
    assert JSON.encode!(:plug) == ~s("plug")
    assert JSON.encode!("") == ~s("")
  end

  test "encodes lists and maps, nested, with atom, string and integer keys" do
    assert JSON.encode!([]) == "[]"
    assert JSON.encode!(%{}) == "{}"
    assert JSON.encode!([1, "a", nil, [true]]) == ~s([1,"a",null,[true]])
    assert JSON.encode!(%{a: %{"b" => [%{1 => false}]}}) == ~s({"a":{"b":[{"1":false}]}})
  end

  test "escapes quotes, backslashes and control characters" do
    assert JSON.encode!(~s(say "hi" \\ bye)) == ~S("say \"hi\" \\ bye")
    assert JSON.encode!("line\nbreak\r\ttab\b\f") == ~S("line\nbreak\r\ttab\b\f")
    assert JSON.encode!(<<0, 1, 0x1F>>) == ~S("\u0000\u0001\u001F")
    assert JSON.encode!(<<0x7F>>) == <<?", 0x7F, ?">>
    assert JSON.encode!("/") == ~s("/")
  end

  test "keeps non-ASCII text as UTF-8, escaping only the JavaScript line separators" do
    assert JSON.encode!("Zürich 東京 🚀") == ~s("Zürich 東京 🚀")
    assert JSON.encode!("a\u2028b\u2029c") == ~S("a\u2028b\u2029c")
  end

  test "escapes map keys as it escapes strings" do
    assert JSON.encode!(%{"a\"b" => 1}) == ~S({"a\"b":1})
  end

  test "refuses what JSON cannot hold" do
    assert_raise ArgumentError, ~r/not valid UTF-8/, fn -> JSON.encode!(<<0xFF>>) end
    assert_raise ArgumentError, ~r/cannot encode \{:a, 1\}/, fn -> JSON.encode!({:a, 1}) end
    assert_raise ArgumentError, ~r/URI struct/, fn -> JSON.encode!(URI.parse("http://x")) end
    assert_raise ArgumentError, ~r/object key/, fn -> JSON.encode!(%{{:a} => 1}) end
    assert_raise ArgumentError, fn -> JSON.encode!(self()) end
  end

  test "encodes a heartbeat as the API reads it" do
    heartbeat = %{
      "app" => "billing",
      "deps" => [%{"name" => "plug", "version" => "1.16.1"}],
      "internet_facing" => true,
      "tags" => %{"node" => "billing@web-1"}
    }

    assert JSON.encode!(heartbeat) ==
             ~s({"app":"billing","deps":[{"name":"plug","version":"1.16.1"}],) <>
               ~s("internet_facing":true,"tags":{"node":"billing@web-1"}})
  end

  describe "decode/1" do
    test "reads scalars, with the whitespace JSON allows" do
      assert JSON.decode(" null ") == {:ok, nil}
      assert JSON.decode("true") == {:ok, true}
      assert JSON.decode("\tfalse\r\n") == {:ok, false}
      assert JSON.decode("0") == {:ok, 0}
      assert JSON.decode("-42") == {:ok, -42}
      assert JSON.decode("123456789012345678901") == {:ok, 123_456_789_012_345_678_901}
      assert JSON.decode("1.5") == {:ok, 1.5}
      assert JSON.decode("-2.5e-3") == {:ok, -0.0025}
      assert JSON.decode("1E2") == {:ok, 100.0}
      assert JSON.decode(~s("")) == {:ok, ""}
    end

    test "reads objects and arrays, nested, the last of a repeated key winning" do
      assert JSON.decode("[]") == {:ok, []}
      assert JSON.decode("{ }") == {:ok, %{}}
      assert JSON.decode(~s([1, "a", null, [true], {"b": {}}])) == {:ok, [1, "a", nil, [true], %{"b" => %{}}]}
      assert JSON.decode(~s({"a": 1, "a": 2})) == {:ok, %{"a" => 2}}
    end

    test "reads escapes, surrogate pairs and UTF-8" do
      assert JSON.decode(~S("say \"hi\" \\ \/ \b\f\n\r\t")) == {:ok, "say \"hi\" \\ / \b\f\n\r\t"}
      assert JSON.decode(~S("\u00e9\u6771 \ud83d\ude80")) == {:ok, "é東 🚀"}
      assert JSON.decode(~s("Zürich 東京")) == {:ok, "Zürich 東京"}
    end

    test "decodes what it encodes" do
      term = %{
        "deps" => [%{"name" => "plug", "version" => "1.16.1"}],
        "n" => [0, -1, 2.5],
        "s" => "a\u2028\"\n"
      }

      assert term |> JSON.encode!() |> JSON.decode() == {:ok, term}
    end

    test "refuses what is not JSON, saying where" do
      assert JSON.decode("") == {:error, "unexpected end of input at byte 0"}
      assert JSON.decode("[1,]") == {:error, ~s(unexpected "]" at byte 3)}
      assert JSON.decode(~s({"a" 1})) == {:error, ~s(unexpected "1" at byte 5)}
      assert JSON.decode("{a: 1}") == {:error, ~s(unexpected "a" at byte 1)}
      assert JSON.decode("[1] [2]") == {:error, ~s(unexpected "[" at byte 4)}
      assert JSON.decode("01") == {:error, ~s(unexpected "1" at byte 1)}
      assert JSON.decode("1.") == {:error, ~s(unexpected "." at byte 1)}
      assert JSON.decode("-") == {:error, ~s(unexpected "-" at byte 0)}
      assert JSON.decode("tru") == {:error, ~s(unexpected "t" at byte 0)}
      assert JSON.decode(~s("a\nb")) == {:error, ~s(unexpected "\\n" at byte 2)}
      assert JSON.decode(~S("\x")) == {:error, ~s(unexpected "x" at byte 2)}
      assert JSON.decode(~S("\u12g4")) == {:error, ~s(unexpected "1" at byte 3)}
      assert JSON.decode(~S("\ud83d")) == {:error, "unpaired surrogate at byte 2"}
      assert JSON.decode(~S("\ude80")) == {:error, "unpaired surrogate at byte 2"}
      assert JSON.decode(<<?", 0xFF, ?">>) == {:error, "invalid UTF-8 at byte 1"}
      assert JSON.decode("1e999") == {:error, "number out of range at byte 0"}
      assert JSON.decode(<<0xFF>>) == {:error, "unexpected byte 255 at byte 0"}
    end
  end
end
