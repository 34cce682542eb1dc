import { expect, type Locator, type Page } from "@playwright/test";

/** The console as a user sees it: role-based locators only. */
export class ConsolePage {
  /** The local OpenID provider's button (the provider most specs use). */
  readonly signInButton: Locator;
  /** "Sign in as someone else": the provider's login page even when it remembers the user. */
  readonly someoneElseCheckbox: Locator;
  readonly signOutButton: Locator;
  readonly signedInAs: Locator;
  readonly signInHeading: Locator;
  readonly signedOutHeading: Locator;
  readonly session: Locator;
  readonly sessionHeading: Locator;
  readonly idTokenTimer: Locator;
  readonly credentialsTimer: Locator;
  /** The Session region's polite live region: threshold announcements only. */
  readonly announcements: Locator;
  readonly getNewCredentialsButton: Locator;
  /** "Sign in again to keep working — …" when the provider refused a silent renewal. */
  readonly signInAgainBanner: Locator;
  readonly signInAgainButton: Locator;
  readonly providerToken: Locator;
  readonly exchangeResult: Locator;
  readonly roleSelect: Locator;
  readonly durationField: Locator;
  /** The <summary> that opens the inline session policy. */
  readonly sessionPolicyToggle: Locator;
  readonly sessionPolicyField: Locator;
  /** The exchange form's polite status next to its button: "Calling STS…", "Not sent to STS: …", "Credentials received." */
  readonly exchangeStatus: Locator;
  readonly getCredentialsButton: Locator;
  readonly credentials: Locator;
  readonly whoAmIButton: Locator;
  /** What "Who am I?" becomes once the credentials have expired. */
  readonly expiredCallsButton: Locator;
  readonly callerIdentity: Locator;
  readonly moreCalls: Locator;
  readonly alert: Locator;
  /** The step strip: provider → STS → credentials → signed call, on the landing page and the console. */
  readonly flow: Locator;
  /** The phone's summary card (hidden on wider screens). */
  readonly summary: Locator;

  constructor(readonly page: Page) {
    this.signInButton = this.signInWith("Local OpenID provider");
    this.someoneElseCheckbox = page.getByRole("checkbox", { name: /^Sign in as someone else/ });
    this.signOutButton = page.getByRole("button", { name: "Sign out", exact: true });
    this.signedInAs = page.getByRole("banner").getByText(/^Signed in as /);
    this.signInHeading = page.getByRole("heading", { name: "1. Sign in with an identity provider" });
    this.signedOutHeading = page.getByRole("heading", { name: "Signed out", exact: true });
    this.session = page.getByRole("region", { name: "Session", exact: true });
    this.sessionHeading = this.session.getByRole("heading", { name: "Session", exact: true });
    this.idTokenTimer = page.getByRole("timer", { name: "ID token valid for" });
    this.credentialsTimer = page.getByRole("timer", { name: "AWS credentials valid for" });
    this.announcements = this.session.getByRole("status");
    this.getNewCredentialsButton = page.getByRole("button", { name: "Get new credentials", exact: true });
    this.signInAgainBanner = this.session.getByRole("alert");
    this.signInAgainButton = this.signInAgainBanner.getByRole("button", { name: "Sign in again", exact: true });
    this.providerToken = page.getByRole("region", { name: "1. Provider sign-in" });
    this.exchangeResult = page.getByRole("region", { name: "2. AssumeRoleWithWebIdentity" });
    this.roleSelect = page.getByLabel("Role", { exact: true });
    this.durationField = this.exchangeResult.getByLabel("Duration (seconds)", { exact: true });
    this.sessionPolicyToggle = this.exchangeResult.getByText("Inline session policy (optional)", { exact: true });
    this.sessionPolicyField = this.exchangeResult.getByLabel("Session policy JSON", { exact: true });
    // The form comes first in the panel; the inspector below has its copy buttons' statuses.
    this.exchangeStatus = this.exchangeResult.getByRole("status").first();
    this.getCredentialsButton = page.getByRole("button", { name: "Get AWS credentials" });
    this.credentials = page.getByRole("region", { name: "3. Temporary credentials" });
    this.whoAmIButton = page.getByRole("button", { name: "Who am I?" });
    this.expiredCallsButton = page.getByRole("button", { name: "Credentials expired — Get new credentials", exact: true });
    this.callerIdentity = page.getByRole("region", { name: "4. Signed calls" });
    this.moreCalls = page.getByRole("region", { name: "5. More STS calls" });
    this.alert = page.getByRole("alert");
    this.flow = page.getByRole("list", { name: "The flow at a glance" });
    this.summary = page.getByRole("region", { name: "At a glance", exact: true });
  }

  /** The sign-in button of a provider, by its label: "Sign in with Google". */
  signInWith(label: string): Locator {
    return this.page.getByRole("button", { name: `Sign in with ${label}`, exact: true });
  }

  /** One step of the strip by its name ("Provider token", "STS exchange", "Credentials", "Signed call"). */
  flowStep(name: string): Locator {
    return this.flow.getByRole("listitem").filter({ hasText: new RegExp(`^${name} `) });
  }

  async goto() {
    await this.page.goto("/");
    await expect(this.page.getByRole("heading", { name: "Web Identity Console" })).toBeVisible();
  }

  /** Sign in through the local provider's real login form (the provider must have no session yet). */
  async signIn(username: string, password: string) {
    await this.signInButton.click();
    await this.fillProviderLogin(username, password);
    await this.expectSignedInAs(username);
  }

  /** On the provider's login page: fill it in and submit. */
  async fillProviderLogin(username: string, password: string) {
    await expect(this.page.getByRole("heading", { name: /^Sign in to / })).toBeVisible();
    await this.page.getByLabel("Username").fill(username);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  /** Sign in with a provider's button (e.g. "Google") through its login form. */
  async signInWithProvider(label: string, username: string, password: string) {
    await this.signInWith(label).click();
    await this.fillProviderLogin(username, password);
  }

  async expectSignedInAs(username: string, providerLabel = "Local OpenID provider") {
    await expect(this.signedInAs).toHaveText(`Signed in as ${username} with ${providerLabel}`);
    await expect(this.signOutButton).toBeVisible();
  }

  /** Sign out, confirm on the provider's page (RP-initiated logout with client_id asks), and land signed out. */
  async signOut() {
    await this.signOutButton.click();
    await this.confirmProviderSignOut();
    await this.expectSignedOut();
  }

  async confirmProviderSignOut() {
    await this.page.getByRole("button", { name: "Yes, sign me out" }).click();
  }

  async expectSignedOut() {
    await expect(this.signedOutHeading).toBeVisible();
    await expect(this.page.getByText(/^You are signed out: the app forgot your tokens and AWS credentials, and Local OpenID provider ended its session too/)).toBeVisible();
    await expect(this.signInButton).toBeFocused();
  }

  /** Open the inline session policy's <details> (if closed) and type `text` into it. */
  async fillSessionPolicy(text: string) {
    if (!(await this.sessionPolicyField.isVisible())) await this.sessionPolicyToggle.click();
    await this.sessionPolicyField.fill(text);
  }

  /** The latest exchange's inspector group, e.g. `exchangeView("after sign-in")`. */
  exchangeView(reason: string): Locator {
    return this.exchangeResult.getByRole("group", { name: `AssumeRoleWithWebIdentity exchange (${reason})`, exact: true });
  }

  /** The <summary> of the earlier exchanges; `count` makes it exact. */
  earlierExchanges(count?: number): Locator {
    return this.exchangeResult.getByText(count === undefined ? /^Earlier exchanges this session \(\d+\)$/ : `Earlier exchanges this session (${count})`, { exact: true });
  }

  /** An earlier exchange's inspector group (inside the earlier exchanges' <details>), e.g. "Exchange 2 (Get new credentials, failed)". */
  earlierExchange(name: string | RegExp): Locator {
    return this.exchangeResult.getByRole("group", { name });
  }

  /** The raw response text of an inspector group (opens its <details>). */
  async rawResponse(group: Locator): Promise<string> {
    const pre = group.getByLabel("Response", { exact: true });
    if (!(await pre.isVisible())) await group.getByText("Response", { exact: true }).click();
    return pre.innerText();
  }

  /** The value shown for a field label inside a region. */
  field(region: Locator, label: string): Locator {
    return region.getByRole("term").filter({ hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]");
  }

  async credentialsSecondsLeft(): Promise<number> {
    return parseCountdown(await this.credentialsTimer.innerText());
  }

  /** Press Who am I? and wait for a new answer (a new request id, not the one shown before) naming `username`. */
  async expectWhoAmI(username: string) {
    const requestId = this.field(this.callerIdentity, "Request id");
    const before = (await requestId.count()) > 0 ? await requestId.innerText() : "";
    await this.whoAmIButton.click();
    await expect(requestId).not.toHaveText(before === "" ? /^$/ : before);
    await expect(this.field(this.callerIdentity, "Arn")).toHaveText(`arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/${username}`);
    await expect(this.callerIdentity.getByRole("heading", { name: "GetCallerIdentity failed" })).toHaveCount(0);
  }
}

/** "59:58" or "1:00:00" → seconds. */
export function parseCountdown(text: string): number {
  return text
    .trim()
    .split(":")
    .map(Number)
    .reduce((acc, n) => acc * 60 + n, 0);
}
