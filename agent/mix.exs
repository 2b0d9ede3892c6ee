defmodule Muster.MixProject do
  use Mix.Project

  @version "0.1.0"

  def project do
    [
      app: :muster,
      version: @version,
      elixir: "~> 1.14",
      elixirc_paths: elixirc_paths(Mix.env()),
      start_permanent: false,
      deps: [],
      description:
        "The Muster agent: reports what a running Elixir app really loads (applications, versions, " <>
          "Elixir and OTP releases) so that Muster can say which apps run a vulnerable version.",
      package: [licenses: ["Apache-2.0"], files: ~w(lib mix.exs README.md .formatter.exs)]
    ]
  end

  def application do
    [
      mod: {Muster.Application, []},
      extra_applications: [:logger, :inets, :ssl, :public_key, :crypto]
    ]
  end

  defp elixirc_paths(:test), do: ["lib", "test/support"]
  defp elixirc_paths(_), do: ["lib"]
end
