defmodule Muster.Release do
  @moduledoc """
  A step for `mix release` that puts the OTP release's `OTP_VERSION` file into the release, so
  that the agent reports the full OTP release (such as `27.3.4.2`) and not nothing.

  An OTP installation keeps the full release in `releases/<major>/OTP_VERSION`, but `mix release`
  does not copy that file. When the release includes ERTS (the default), it runs the OTP of the
  machine that built it, so this step copies that machine's file:

      def project do
        [
          releases: [
            my_app: [
              applications: [muster: :temporary],
              steps: [:assemble, &Muster.Release.include_otp_version/1]
            ]
          ]
        ]
      end

  A release built with `include_erts: false` runs the OTP of the machine it is deployed on, so the
  step copies nothing for it.
  """

  @doc """
  Copies `releases/<major>/OTP_VERSION` from the OTP installation whose ERTS the release includes
  into the release. Returns the release unchanged, as a step must.
  """
  @spec include_otp_version(release) :: release when release: %{path: String.t(), erts_source: term}
  def include_otp_version(%{path: path, erts_source: erts_source} = release)
      when is_list(erts_source) or is_binary(erts_source) do
    otp_root = erts_source |> to_string() |> Path.expand() |> Path.dirname()

    for source <- Path.wildcard(Path.join([otp_root, "releases", "*", "OTP_VERSION"])) do
      major = source |> Path.dirname() |> Path.basename()
      target = Path.join([path, "releases", major, "OTP_VERSION"])
      File.mkdir_p!(Path.dirname(target))
      File.cp!(source, target)
    end

    release
  end

  def include_otp_version(release), do: release
end
