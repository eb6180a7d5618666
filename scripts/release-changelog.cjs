// The CHANGELOG lines `changeset version` writes (.changeset/config.json "changelog"): each changeset's
// summary as written, and one line naming the new versions of the workspace dependencies that moved
// (the default writes "Updated dependencies [hash]" once per changeset, then the same list).
/** @type {import("@changesets/types").ChangelogFunctions} */
module.exports = {
  getReleaseLine: async (changeset) => {
    const [first, ...rest] = changeset.summary.trim().split("\n")
    return `- ${first}${rest.map((line) => `\n  ${line}`.trimEnd()).join("")}\n`
  },
  getDependencyReleaseLine: async (_changesets, dependencies) =>
    dependencies.length === 0 ? "" : `- Uses ${dependencies.map((d) => `\`${d.name}@${d.newVersion}\``).join(", ")}\n`
}
