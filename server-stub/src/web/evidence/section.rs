//! The sections of the evidence pack: one CSV file each, its download and its title. Its own
//! module so the requirement mapping and the rows can both name sections without importing each
//! other.

/// A section of the pack: one CSV file each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// Every host.
    Assets,
    /// Every unsupported and extended item, with its risk record.
    Items,
    /// Hosts and items by site.
    Sites,
    /// Installations by product, release and status.
    Products,
    /// Which section answers which requirement.
    Requirements,
}

impl Section {
    /// Every section, in the pack's order.
    pub const ALL: [Section; 5] = [
        Section::Requirements,
        Section::Assets,
        Section::Items,
        Section::Sites,
        Section::Products,
    ];

    /// Its file in the zip and its download's name.
    pub fn file_name(self) -> &'static str {
        match self {
            Section::Assets => "asset-register.csv",
            Section::Items => "unsupported-items.csv",
            Section::Sites => "totals-by-site.csv",
            Section::Products => "totals-by-product.csv",
            Section::Requirements => "requirements.csv",
        }
    }

    /// Its download on the dashboard.
    pub fn path(self) -> &'static str {
        match self {
            Section::Assets => "/evidence/assets.csv",
            // The pack's first CSV, kept where it has always been.
            Section::Items => "/evidence.csv",
            Section::Sites => "/evidence/sites.csv",
            Section::Products => "/evidence/products.csv",
            Section::Requirements => "/evidence/requirements.csv",
        }
    }

    /// What it is, in a few words.
    pub fn title(self) -> &'static str {
        match self {
            Section::Assets => "Asset register",
            Section::Items => "Unsupported and extended items, with their risk records",
            Section::Sites => "Totals by site",
            Section::Products => "Totals by product and release",
            Section::Requirements => "Requirement mapping",
        }
    }
}
