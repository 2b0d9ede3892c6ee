defmodule Muster.Test.FakeApps do
  @moduledoc """
  Loads made-up applications into the test VM (and unloads them when the test ends), so that the
  collector sees, say, Phoenix and an app that configures an endpoint.
  """

  import ExUnit.Callbacks, only: [on_exit: 1]

  @doc "Loads `name` at version `vsn` with `env` as its application environment."
  def load(name, vsn, env \\ []) do
    spec = [
      description: 'fake',
      vsn: String.to_charlist(vsn),
      modules: [],
      registered: [],
      applications: [],
      env: env
    ]

    :ok = :application.load({:application, name, spec})
    on_exit(fn -> :application.unload(name) end)
    name
  end
end

defmodule Muster.Test.ShopWeb.Endpoint do
  @moduledoc "Stands for a Phoenix endpoint: Phoenix compiles `__sockets__/0` into each."
  def __sockets__, do: []
end

defmodule Muster.Test.AdminWeb.Endpoint do
  @moduledoc "A second endpoint."
  def __sockets__, do: []
end

defmodule Muster.Test.Shop.Repo do
  @moduledoc "Configured with a `:url` like an endpoint, but not one."
end
