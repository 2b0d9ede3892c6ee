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
end
