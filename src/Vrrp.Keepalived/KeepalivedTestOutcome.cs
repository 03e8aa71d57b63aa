namespace Vrrp.Keepalived;

/// <summary>How <c>keepalived -t</c> counts a finding: what makes <c>vrrpd --check</c> give keepalived's verdict and exit code.</summary>
public enum KeepalivedTestOutcome
{
    /// <summary>keepalived reports it too, and its configuration test fails (exit 5).</summary>
    Reported = 0,

    /// <summary>keepalived reports it as a security violation (exit 6): scripts run without <c>enable_script_security</c>.</summary>
    SecurityViolation,

    /// <summary>keepalived says nothing: a difference of vrrpd's own (a keyword read but not run, a section skipped).</summary>
    NotReported,
}
