// The browser's time zone, so that times are shown where the viewer is: kept in a cookie the
// server reads, and put into the sign-in form. No other script runs in the console.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) {
    return;
  }
  var known = document.cookie.split("; ").filter(function (c) {
    return c.indexOf("mailledger_zone=") === 0;
  });
  var secure = location.protocol === "https:" ? "; Secure" : "";
  // IANA names hold only letters, digits, "/", "_", "-" and "+": written as they are.
  if (!/^[A-Za-z0-9\/_+-]{1,64}$/.test(zone)) {
    return;
  }
  if (known.length === 0 || known[0].slice(16).replace(/"/g, "") !== zone) {
    document.cookie = "mailledger_zone=" + zone +
      "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
  }
  document.querySelectorAll("input[data-zone]").forEach(function (input) {
    input.value = zone;
  });
})();
