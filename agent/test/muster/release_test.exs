defmodule Muster.ReleaseTest do
  use ExUnit.Case, async: true

  setup do
    %{tmp_dir: Muster.Test.Scratch.dir!()}
  end

  test "copies the OTP release of the ERTS the release includes", %{tmp_dir: tmp} do
    otp = Path.join(tmp, "otp")
    File.mkdir_p!(Path.join([otp, "erts-13.1.5", "bin"]))
    File.mkdir_p!(Path.join([otp, "releases", "25"]))
    File.write!(Path.join([otp, "releases", "25", "OTP_VERSION"]), "25.2.3\n")

    # Mix gives the ERTS source as a charlist.
    erts_source = String.to_charlist(Path.join(otp, "erts-13.1.5"))
    release = %{path: Path.join(tmp, "rel"), erts_source: erts_source, version: "0.1.0"}

    assert Muster.Release.include_otp_version(release) == release
    assert File.read!(Path.join([tmp, "rel", "releases", "25", "OTP_VERSION"])) == "25.2.3\n"
  end

  test "copies nothing for a release without ERTS", %{tmp_dir: tmp} do
    release = %{path: Path.join(tmp, "rel"), erts_source: nil}
    assert Muster.Release.include_otp_version(release) == release
    refute File.exists?(Path.join(tmp, "rel"))
  end
end
