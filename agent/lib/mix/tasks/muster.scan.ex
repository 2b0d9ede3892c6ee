defmodule Mix.Tasks.Muster.Scan do
  @shortdoc "Uploads code-scan reports (Sobelow, mix_audit, hex.audit) of this commit to Muster"

  @moduledoc """
  Uploads the reports of code scanners to Muster, from an app's CI job: each report becomes one
  scan of the commit the job builds.

      mix muster.scan [--sobelow FILE] [--mix-audit FILE] [--hex-audit FILE] [--run-hex-audit]
                      [--app APP] [--fail-on critical|high|medium|low]
                      [--repository OWNER/NAME] [--commit SHA] [--ref REF] [--pull-request N]
                      [--base-sha SHA] [--default-branch BRANCH]

  For example, in a GitHub Actions or GitLab CI job:

      mix sobelow --format json --out sobelow.json
      mix deps.audit --format json > mix_audit.json
      mix muster.scan --sobelow sobelow.json --mix-audit mix_audit.json --run-hex-audit --fail-on high

  ## Reports

    * `--sobelow FILE`: Sobelow's output, in its JSON or SARIF format;
    * `--mix-audit FILE`: the JSON of `mix deps.audit --format json`;
    * `--hex-audit FILE`: the text that `mix hex.audit` printed;
    * `--run-hex-audit`: runs `mix hex.audit` and uploads what it prints. That it exits with a
      non-zero status when it finds retired packages is no error here: that is its report.

  Without any of them, the task runs `mix hex.audit` as with `--run-hex-audit`.

  ## The commit

    * `--app APP`: the app's name in Muster, 1 to 64 characters of `a-z 0-9 _ - .` (lower-cased);
      by default the name the agent reports the app under (`MUSTER_APP`,
      `config :muster, app: ...`, else the Mix project's app);
    * `--commit SHA`, `--ref REF`, `--pull-request N`, `--base-sha SHA`, `--repository OWNER/NAME`,
      `--default-branch BRANCH`: where the commit sits. Each defaults to what the CI job's
      variables say (GitHub Actions and GitLab CI; see `Muster.CIEnvironment`). Outside CI, the
      commit and branch default to those git has checked out.

  ## Settings

    * `MUSTER_API_KEY`: a key of the `ci` scope (`npm run muster -- keys create --org ORG --scope ci`).
      It is read from the variable only: `config :muster, api_key: ...` holds the running app's
      ingest key, which cannot upload scans;
    * `MUSTER_ENDPOINT`: the API's base URL, such as `https://muster.example.com`, else
      `config :muster, endpoint: ...`;
    * `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, as for the agent (see `Muster.Proxy`).

  ## Output and exit status

  One line per report, such as

      sobelow: 10 findings (3 high, 6 medium, 1 low) uploaded as 6f0c...

  Requests are retried (see `Muster.ScanUpload`). The task fails, with a non-zero exit status, when
  a setting or option is missing or wrong, a report cannot be read, or a report was not uploaded
  (the others are still uploaded first). With `--fail-on LEVEL`, it also fails when the uploaded
  reports have findings at LEVEL or above, once all are uploaded; without it, findings never fail
  the job.
  """

  use Mix.Task

  alias Muster.{CIEnvironment, Config, ScanContext, ScanUpload}

  @switches [
    sobelow: :string,
    mix_audit: :string,
    hex_audit: :string,
    run_hex_audit: :boolean,
    app: :string,
    fail_on: :string,
    repository: :string,
    commit: :string,
    ref: :string,
    pull_request: :integer,
    base_sha: :string,
    default_branch: :string
  ]

  @report_files [sobelow: "sobelow", mix_audit: "mix_audit", hex_audit: "hex_audit"]

  @impl true
  def run(args) do
    options =
      case OptionParser.parse!(args, strict: @switches) do
        {options, []} ->
          options

        {_options, extra} ->
          Mix.raise("Unexpected arguments: #{Enum.join(extra, " ")}; see mix help muster.scan")
      end

    fail_on = fail_on(options[:fail_on])
    config = settings()
    context = context(options, config.app)
    reports = reports(options)

    {:ok, _} = Application.ensure_all_started(:inets)
    {:ok, _} = Application.ensure_all_started(:ssl)

    uploads = for report <- reports, do: {report.tool, upload(config, context, report)}

    failures =
      for {tool, {:error, reason}} <- uploads, do: "#{tool}: not uploaded: #{ScanUpload.describe(reason)}"

    if failures != [], do: Mix.raise(Enum.join(failures, "\n"))

    if fail_on, do: check_findings(for({tool, {:ok, result}} <- uploads, do: {tool, result}), fail_on)
  end

  defp fail_on(nil), do: nil

  defp fail_on(level) do
    severity = String.downcase(level)
    severities = ScanUpload.severities()

    unless severity in severities do
      Mix.raise("--fail-on must be one of #{Enum.join(severities, ", ")} (got #{inspect(level)})")
    end

    severity
  end

  defp settings do
    # The key in config :muster is the running app's ingest key; a scan takes a ci key.
    app_env = Keyword.delete(Application.get_all_env(:muster), :api_key)

    case Config.resolve(app_env, System.get_env(), Config.host()) do
      {:ok, %Config{api_key: nil}} ->
        Mix.raise("No API key: set MUSTER_API_KEY to a key of the ci scope")

      {:ok, %Config{endpoint: nil}} ->
        Mix.raise("No endpoint: set MUSTER_ENDPOINT or config :muster, endpoint: \"https://...\"")

      {:ok, config} ->
        config

      {:error, problems} ->
        Mix.raise("Muster's configuration is invalid: " <> Enum.join(problems, "; "))
    end
  end

  defp context(options, default_app) do
    overrides = %{
      commit_sha: options[:commit],
      ref: options[:ref],
      pull_request: options[:pull_request],
      repository: options[:repository],
      base_sha: options[:base_sha],
      default_branch: options[:default_branch]
    }

    with {:ok, ci} <- CIEnvironment.read(System.get_env()),
         {:ok, context} <- ScanContext.resolve(options[:app] || default_app, overrides, ci) do
      context
    else
      {:error, problem} -> Mix.raise(problem)
    end
  end

  defp reports(options) do
    files = for {option, tool} <- @report_files, path = options[option], do: {option, tool, path}

    if options[:hex_audit] && options[:run_hex_audit],
      do: Mix.raise("Give --hex-audit FILE or --run-hex-audit, not both")

    read = Enum.map(files, fn {option, tool, path} -> read_report(option, tool, path) end)

    if options[:run_hex_audit] || files == [],
      do: read ++ [hex_audit_report(run_hex_audit())],
      else: read
  end

  defp read_report(option, tool, path) do
    flag = "--" <> String.replace(Atom.to_string(option), "_", "-")

    with {:ok, text} <- read_file(path),
         {:ok, report} <- ScanUpload.report(tool, text) do
      report
    else
      {:error, problem} -> Mix.raise("#{flag} #{path} #{problem}")
    end
  end

  defp read_file(path) do
    case File.read(path) do
      {:ok, text} -> {:ok, text}
      {:error, reason} -> {:error, "cannot be read: #{:file.format_error(reason)}"}
    end
  end

  defp hex_audit_report(output) do
    case ScanUpload.report("hex_audit", output) do
      {:ok, report} -> report
      {:error, problem} -> Mix.raise("The output of mix hex.audit #{problem}")
    end
  end

  defp run_hex_audit do
    mix = System.find_executable("mix") || Mix.raise("Cannot run mix hex.audit: mix is not on the PATH")
    {output, status} = System.cmd(mix, ["hex.audit"], stderr_to_stdout: true)

    # It exits with 1 when it lists retired packages, under a table header: that is its report.
    if status == 0 or output =~ "Retirement reason",
      do: output,
      else: Mix.raise("mix hex.audit failed (exit status #{status}):\n#{output}")
  end

  defp upload(config, context, report) do
    with {:ok, result} <- ScanUpload.upload(config, context, report) do
      Mix.shell().info("#{report.tool}: #{findings(result)} uploaded as #{result.id}")
      {:ok, result}
    end
  end

  defp findings(%{findings: findings, counts: counts}) do
    severities =
      if counts,
        do:
          for(
            severity <- ScanUpload.severities(),
            counts[severity] > 0,
            do: "#{counts[severity]} #{severity}"
          ),
        else: []

    if severities == [],
      do: plural(findings, "finding"),
      else: "#{plural(findings, "finding")} (#{Enum.join(severities, ", ")})"
  end

  defp check_findings(results, level) do
    unrated = for {tool, %{counts: nil, findings: findings}} <- results, findings > 0, do: tool

    if unrated != [] do
      Mix.raise(
        "Muster did not say how severe the findings of #{Enum.join(unrated, " and ")} are, " <>
          "so --fail-on #{level} cannot be applied"
      )
    end

    case Enum.sum(for {_tool, result} <- results, do: ScanUpload.at_or_above(result, level) || 0) do
      0 -> :ok
      count -> Mix.raise("#{plural(count, "finding")} at or above #{level}")
    end
  end

  defp plural(1, noun), do: "1 #{noun}"
  defp plural(count, noun), do: "#{count} #{noun}s"
end
