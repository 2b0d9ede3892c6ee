defmodule Muster.Test.Scratch do
  @moduledoc """
  A directory of the system's for one test, removed when it ends; ExUnit's `:tmp_dir` would write
  into the project instead.
  """

  @doc "Creates the directory and returns its path."
  def dir! do
    path = Path.join(System.tmp_dir!(), "muster-test-#{System.unique_integer([:positive])}")
    File.mkdir_p!(path)
    ExUnit.Callbacks.on_exit(fn -> File.rm_rf!(path) end)
    path
  end
end
