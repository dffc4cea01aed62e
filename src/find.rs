//! The finding stage: every image site of one document, in one list. The
//! workload table's fields, operator env vars and flags, custom resources'
//! image fields ([`crate::locate`]), then, with operator images on, the
//! fields of the documents embedded in its strings ([`crate::embedded`]):
//! a manifest's found as the stream's are (its own embedded documents too,
//! up to [`embedded::MAX_DEPTH`] deep), a configuration's at its table's
//! paths, and each placed in the stream's text.

use crate::config::Config;
use crate::embedded::{self, Format, Target, gitlab};
use crate::locate::Locator;
use crate::site::Site;
use crate::yaml::{self, Document};

/// Every site of `doc`, a document of `text`: the fields of its objects in
/// document order, then each embedded document's, string by string.
pub(crate) fn sites(text: &str, doc: &Document, config: &Config) -> Vec<Site> {
    sites_at(text, doc, config, 0)
}

/// The sites of a document embedded `depth` deep.
fn sites_at(text: &str, doc: &Document, config: &Config, depth: usize) -> Vec<Site> {
    let locator = Locator {
        extra: &config.workloads,
        opt_out_annotation: &config.opt_out_annotation,
        generic: config.generic,
        operator_images: config.operator_images,
    };
    let spots = locator.sites(doc).into_iter();
    let mut sites: Vec<Site> = spots.map(|spot| Site::read(text, doc, spot)).collect();
    if config.operator_images && depth < embedded::MAX_DEPTH {
        for target in embedded::targets(&locator, doc) {
            sites.extend(embedded(text, doc, config, depth, &target));
        }
    }
    sites
}

/// The sites of the document in the string `target`, placed in `text`.
fn embedded(
    text: &str,
    doc: &Document,
    config: &Config,
    depth: usize,
    target: &Target,
) -> Vec<Site> {
    let outer = doc.node(target.node);
    let Some(value) = doc.str(target.node) else {
        return Vec::new();
    };
    let map = embedded::map::map(text, doc, target.node);
    let found = match target.format {
        Format::Toml => match gitlab::toml_sites(value) {
            Some(sites) => Ok(sites),
            None => return Vec::new(),
        },
        Format::Manifest | Format::Config(_) => {
            let mut sites = Vec::new();
            let parsed = yaml::for_each_document(value, |_, d| match target.format {
                Format::Config(config_row) => {
                    let spots = embedded::config_spots(&d, config_row).into_iter();
                    sites.extend(spots.map(|spot| Site::read(value, &d, spot)));
                }
                _ => sites.extend(sites_at(value, &d, config, depth + 1)),
            });
            parsed.map(|()| sites)
        }
    };
    match (found, map) {
        (Ok(sites), map) => sites
            .into_iter()
            .map(|site| target.place(site, text, outer, value, &map))
            .collect(),
        // Not YAML after all (a templated string, say): nothing to edit.
        (Err(_), Ok(_)) => Vec::new(),
        // Folding or escapes may be what broke it: say why it is left.
        (Err(_), Err(why)) => vec![target.unreadable(outer, why)],
    }
}
